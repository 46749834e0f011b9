"""The console adapter: the whole bot in a terminal, or scripted one line at a time."""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from typing import AsyncIterator, Awaitable, Callable, TextIO

from adapters.console.render import Rendered, render
from bot.types import Action, ConversationRef, FormSubmission, Inbound, Profile, Reply, UserRef

PLATFORM = "console"
TENANT = "local"

Handle = Callable[[Inbound], Awaitable[Reply]]


def console_user(name_or_email: str) -> UserRef:
    return UserRef(PLATFORM, TENANT, name_or_email.strip().lower())


class ConsoleChat:
    """One person talking to the bot: lines in, rendered replies out."""

    def __init__(self, handle: Handle, actor: UserRef, profile: Profile, out: TextIO = sys.stdout, prompt: str = "", files_dir: str | None = None) -> None:
        self.handle = handle
        #: Where files given with a reply (`privacy export`) are written; a private folder of
        #: the system's temporary directory unless told.
        self.files_dir = files_dir
        self.actor = actor
        self.profile = profile
        self.out = out
        self.prompt = prompt
        self.choices: tuple = ()
        self.lock = asyncio.Lock()

    def _inbound(self, **what) -> Inbound:
        return Inbound(actor=self.actor, where=ConversationRef(PLATFORM, TENANT, f"dm:{self.actor.user_id}"), profile=self.profile, **what)

    async def send_line(self, line: str, more: AsyncIterator[str] | None = None) -> Rendered:
        """Say one line; a number picks a button of the last reply. Returns what was shown."""
        stripped = line.strip()
        if stripped.isascii() and stripped.isdigit() and 1 <= int(stripped) <= len(self.choices):
            button = self.choices[int(stripped) - 1]
            inbound = self._inbound(action=Action(button.action_id, button.value))
        else:
            inbound = self._inbound(text=line)
        return await self._exchange(inbound, more)

    async def _exchange(self, inbound: Inbound, more: AsyncIterator[str] | None) -> Rendered:
        async with self.lock:
            reply = await self.handle(inbound)
            shown = render(reply)
            self.choices = shown.choices
            self.show(shown.text)
            if reply.file is not None:
                self.show(f"→ {self.save(reply.file)}")
        if shown.form is not None and more is not None:
            values = await self._fill(shown.form, more)
            if values is not None:
                return await self._exchange(self._inbound(form=FormSubmission(shown.form.form_id, values, shown.form.context)), more)
        return shown

    async def _fill(self, form, more: AsyncIterator[str]) -> dict | None:
        values: dict = {}
        for field in form.inputs:
            options = ""
            if field.options:
                options = "  " + "   ".join(f"[{i}] {o.label}" for i, o in enumerate(field.options, 1))
            # The label is the core's, in the person's language (it says "optional" where the
            # form does); the console adds no words of its own, only the key that skips: ↵.
            optional = "" if field.required else " [↵]"
            self.show(f"{field.label}{optional}:{options}")
            try:
                answer = (await anext(more)).strip()
            except StopAsyncIteration:
                return None
            values[field.name] = _choice(field, answer)
        return values

    def save(self, file) -> str:
        """Write a reply's file where only this user can read it; its path."""
        import tempfile
        from pathlib import Path

        folder = Path(self.files_dir) if self.files_dir else Path(tempfile.gettempdir()) / f"affinity-bot-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / Path(file.filename).name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(file.content)
        return str(path)

    def show(self, text: str) -> None:
        if text:
            self.out.write(text + "\n\n")
            self.out.flush()

    async def run(self, lines: AsyncIterator[str]) -> None:
        while True:
            if self.prompt:
                self.out.write(self.prompt)
                self.out.flush()
            try:
                line = await anext(lines)
            except StopAsyncIteration:
                return
            if line.strip().lower() in ("quit", "exit", "salir"):
                return
            if not line.strip():
                continue
            await self.send_line(line, lines)


def _choice(field, answer: str):
    if not field.options:
        return answer
    by_number = {str(i): o.value for i, o in enumerate(field.options, 1)}
    labels = {o.label.casefold(): o.value for o in field.options}

    def one(token: str) -> str:
        token = token.strip()
        return by_number.get(token) or labels.get(token.casefold()) or token

    if field.kind == "multiselect":
        return tuple(one(t) for t in answer.split(",") if t.strip())
    return one(answer) if answer else ""


async def stdin_lines() -> AsyncIterator[str]:
    """Lines from standard input without blocking the event loop.

    Pipes and terminals are read through the event loop; a file or /dev/null (`chat < script.txt`,
    or no input at all) cannot be watched by it, but reading one never waits, so it is read directly.
    """
    if not _waits(sys.stdin):
        for raw in sys.stdin:
            yield raw.rstrip("\r\n")
            await asyncio.sleep(0)
        return
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        raw = await reader.readline()
        if not raw:
            return
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def _waits(stream: TextIO) -> bool:
    """Whether reading `stream` can wait for input: a terminal, a pipe or a socket."""
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stream.isatty() or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)
