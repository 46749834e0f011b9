"""The console's gateway: the person at the terminal sees their own messages as they come due, nobody else's."""

from __future__ import annotations

from bot.types import Button, Card, ConversationRef, Reply, UserRef
from schedules.dispatcher import Dispatcher
from tests.storage.test_dispatcher import Terminal, add_people, queue, rows

INVITE = Reply(
    text="You're invited to LGBTQ+ Educators",
    card=Card(title="You're invited to LGBTQ+ Educators", body="Jordan Reyes thought you might like it.", actions=(Button("About the group", "groups info lgbtq-educators"),)),
    ephemeral=False,
)


async def test_the_person_at_the_terminal_gets_their_message_with_working_buttons(district):
    terminal = Terminal(district, "maria.lopez@district.example")
    result = await terminal.gateway.send(UserRef("console", "local", "maria.lopez@district.example"), INVITE)

    assert result.status == "sent" and result.message_ref == "console:1"
    shown = terminal.out.getvalue()
    assert shown.startswith("✉ You're invited to LGBTQ+ Educators\n") and "[1] About the group" in shown
    # Its button is the last thing shown, so typing its number presses it.
    answer = await terminal.chat.send_line("1")
    assert "LGBTQ+ Educators" in answer.text and "Facilitators" in answer.text


async def test_nobody_else_and_no_channel_is_shown_at_this_terminal(district):
    terminal = Terminal(district, "maria.lopez@district.example")
    jordan = UserRef("console", "local", "jordan.reyes@district.example")
    assert (await terminal.gateway.send(jordan, INVITE)).error == "not at this console"
    channel = ConversationRef("console", "local", "dei-office", "channel")
    assert (await terminal.gateway.send(channel, INVITE)).status == "unreachable"
    maria = UserRef("console", "local", "maria.lopez@district.example")
    assert (await terminal.gateway.send((maria, jordan), INVITE)).status == "unreachable"
    assert (await terminal.gateway.send(UserRef("teams", "t", "29:1"), INVITE)).status == "failed"
    assert terminal.out.getvalue() == ""


async def test_through_the_dispatcher_only_the_owner_sees_it_and_the_rest_waits(runtime, clock):
    here, away = await add_people(runtime, 2, slack=False, console=True)
    terminal = Terminal(runtime, "staff1@district.example")
    mine = await queue(runtime, clock(), person_id=here, text="Your mentor match is ready")
    theirs = await queue(runtime, clock(), person_id=away, text="Your check-in for day 30")

    await Dispatcher(runtime.sessions, {"console": terminal.gateway}, clock).run_once(clock())

    found = await rows(runtime)
    assert found[mine].state == "sent"
    assert (found[theirs].state, found[theirs].last_error) == ("unreachable", "console: not at this console")
    assert "Your mentor match is ready" in terminal.out.getvalue() and "day 30" not in terminal.out.getvalue()
