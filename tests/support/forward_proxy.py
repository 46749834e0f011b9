"""A forward web proxy on loopback, as a district's filtering proxy works: absolute-URI requests for
http:// and CONNECT tunnels for https://, optionally answering 407 without the right credentials.
It records what it was asked for (`seen`), so a test can tell which calls went through it."""

from __future__ import annotations

import asyncio
import base64
import contextlib


class ForwardProxy:
    def __init__(self, user: str | None = None, password: str | None = None) -> None:
        self.credentials = f"Basic {base64.b64encode(f'{user}:{password}'.encode()).decode()}" if user else None
        #: ("CONNECT", "host:port") or (method, absolute URI), for every request that was let through.
        self.seen: list[tuple[str, str]] = []
        #: How many were refused with 407.
        self.refused = 0
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_with(self, user: str, password: str) -> str:
        return f"http://{user}:{password}@127.0.0.1:{self.port}"

    async def start(self) -> "ForwardProxy":
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, work) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _head(self, reader: asyncio.StreamReader) -> tuple[str, list[bytes]] | None:
        lines: list[bytes] = []
        while True:
            line = await reader.readline()
            if not line:
                return None
            if line in (b"\r\n", b"\n"):
                break
            lines.append(line)
        return (lines[0].decode("latin-1").strip(), lines[1:]) if lines else None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await self._head(reader)
                if head is None:
                    return
                request_line, headers = head
                method, target, version = request_line.split(" ", 2)
                given = {h.split(b":", 1)[0].strip().lower(): h.split(b":", 1)[1].strip() for h in headers if b":" in h}
                if self.credentials and given.get(b"proxy-authorization", b"").decode() != self.credentials:
                    self.refused += 1
                    writer.write(b'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="district"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
                    await writer.drain()
                    return
                self.seen.append((method, target))
                if method == "CONNECT":
                    host, port = target.rsplit(":", 1)
                    up_reader, up_writer = await asyncio.open_connection(host, int(port))
                    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    await writer.drain()
                    await self._tunnel(reader, writer, up_reader, up_writer)
                    return
                await self._forward(method, target, version, headers, given, reader, writer)
        except (OSError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _forward(self, method, target, version, headers, given, reader, writer) -> None:
        """An absolute-URI request: sent on to the origin in origin form, its answer passed back."""
        rest = target.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.partition(":")
        up_reader, up_writer = await asyncio.open_connection(host, int(port or 80))
        if b"upgrade" in given:
            # A WebSocket: the upgrade request goes on as it is, then bytes flow both ways.
            kept = [h for h in headers if not h.lower().startswith(b"proxy-")]
            up_writer.write(f"{method} /{path} {version}\r\n".encode() + b"".join(kept) + b"\r\n")
            await up_writer.drain()
            await self._tunnel(reader, writer, up_reader, up_writer)
            raise OSError("done")
        kept = [h for h in headers if not h.lower().startswith((b"proxy-", b"connection:"))]
        up_writer.write(f"{method} /{path} {version}\r\n".encode() + b"".join(kept) + b"Connection: close\r\n\r\n")
        length = int(given.get(b"content-length", b"0") or 0)
        if length:
            up_writer.write(await reader.readexactly(length))
        await up_writer.drain()
        answer = await up_reader.read()
        writer.write(answer)
        await writer.drain()
        up_writer.close()
        # The origin closed after its answer, so the client's connection closes with it.
        raise OSError("done")

    async def _tunnel(self, reader, writer, up_reader, up_writer) -> None:
        async def pump(source, sink):
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    sink.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
