"""A console next to `serve` claims only what it can deliver, and at once gives back what it cannot."""

from __future__ import annotations

from bot.types import ConversationRef
from schedules.dispatcher import Dispatcher
from tests.adapters.slack.fake_slack import TEAM
from tests.storage.test_dispatcher import Terminal, add_people, queue, rows
from tests.storage.test_dispatcher import fake, slack  # noqa: F401 - fixtures


async def test_a_chat_beside_serve_leaves_slack_work_to_serve_untouched_and_undelayed(runtime, clock, fake, slack):  # noqa: F811
    (here,) = await add_people(runtime, 1, slack=False, console=True)
    (both,) = await add_people(runtime, 1, start=2, slack=True, console=True)
    slack_only = await add_people(runtime, 30, start=3)
    now = clock()
    mine = await queue(runtime, now, person_id=here, text="Your mentor match is ready")
    shared = await queue(runtime, now, person_id=both, text="Reminder for staff two")
    fan_out = [await queue(runtime, now, kind="announcement", person_id=p, text="Family night") for p in slack_only]
    channel = await queue(runtime, now, kind="announcement", channel=ConversationRef("slack", TEAM, "C0GROUPCHAN"), text="Posted in the group's channel")
    together = await queue(runtime, now, kind="intro", people=slack_only[:2], text="Meet each other")

    terminal = Terminal(runtime, "staff1@district.example")
    chat = Dispatcher(runtime.sessions, {"console": terminal.gateway}, clock, elsewhere=("slack", "teams"))
    assert await chat.run_once(now) == 2, "only the two items with a console link were claimed"
    found = await rows(runtime)
    assert found[mine].state == "sent" and "Your mentor match is ready" in terminal.out.getvalue()
    for key in [shared, *fan_out, channel, together]:
        row = found[key]
        assert (row.state, row.claimed_by, row.attempts) == ("queued", None, 0), key
        assert row.next_attempt_at == now, f"{key} was pushed back"
    assert await chat.run_once(now) == 0, "what it gave back is not claimed again here"

    serve = Dispatcher(runtime.sessions, {"slack": slack}, clock)
    await serve.drain()
    found = await rows(runtime)
    assert {k: r.state for k, r in found.items()} == {k: "sent" for k in found}
    assert all(fake.keys[k] == 1 for k in [shared, *fan_out, channel, together])
