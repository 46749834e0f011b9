"""Slash commands over signed HTTP: each command answers as the core does, buttons join and leave."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adapters.slack.render import escape
from bot.catalogue import Translator
from bot.types import Inbound, Profile, UserRef
from storage.models import Group, Membership, Person, PlatformLink
from tests.adapters.slack.conftest import DANA, JORDAN, LUIS, MARIA, TEAM, button, buttons
from tests.adapters.slack.fake_slack import Person as SlackPerson

LENA = SlackPerson("U0LENA", "lena.fischer@district.example", "Lena Fischer")


async def core_says(runtime, email: str, line: str) -> str:
    """What the core answers the same person typing the same words in the console."""
    reply = await runtime.bot.handle(Inbound(actor=UserRef("console", "local", email), text=line, profile=Profile(email=email)))
    return reply.text


async def test_a_command_is_answered_in_its_acknowledgement_with_blocks_and_a_text_fallback(workspace, district):
    status, body = await workspace.command("/groups")
    assert status == 200
    assert body["response_type"] == "ephemeral"
    assert body["text"] == escape(await core_says(district, MARIA.email, "groups"))
    assert body["blocks"][0]["type"] == "header"
    ids = [b["action_id"] for b in buttons(body["blocks"])]
    assert ids and len(ids) == len(set(ids)) and all(i.startswith("run:") for i in ids)
    assert button(body["blocks"], "Join")["value"].startswith("groups join ")
    # The profile came from users.info once; Maria the Slack user is Maria of the roster.
    assert [c.args["user"] for c in workspace.fake.of("users.info")] == ["U0MARIA"]
    async with district.sessions() as session:
        link = (await session.execute(select(PlatformLink).where(PlatformLink.platform == "slack"))).scalar_one()
        person = await session.get(Person, link.person_id)
    assert (link.tenant, link.user_id, person.email) == (TEAM, "U0MARIA", MARIA.email)
    await workspace.command("/groups", "mine")
    assert len(workspace.fake.of("users.info")) == 1, "the profile is cached"


@pytest.mark.parametrize(
    ("who", "command", "text", "line"),
    [
        (MARIA, "/help", "", "help"),
        (MARIA, "/groups", "", "groups"),
        (MARIA, "/groups", "bilingual", "groups bilingual"),
        (MARIA, "/groups", "info lgbtq-educators", "groups info lgbtq-educators"),
        (MARIA, "/groups", "info lgbtq", "groups info lgbtq"),
        (MARIA, "/groups", "mine", "groups mine"),
        (MARIA, "/groups", "joni new-teachers", "groups joni new-teachers"),
        (MARIA, "/groups", "members lgbtq-educators", "groups members lgbtq-educators"),
        (JORDAN, "/groups", "members lgbtq-educators", "groups members lgbtq-educators"),
        (MARIA, "/settings", "", "settings"),
        (MARIA, "/privacy", "", "privacy"),
        (MARIA, "/report", "membership", "report membership"),
        (DANA, "/report", "retention", "report retention"),
        (MARIA, "/affinity", "groups info new-teachers", "groups info new-teachers"),
        (MARIA, "/affinity", "", "affinity"),
        (MARIA, "/affinity", "grups", "grups"),
        (LUIS, "/groups", "mine", "groups mine"),
    ],
)
async def test_each_command_answers_as_the_core_does(workspace, district, who, command, text, line):
    # The person talks to the console first, so both answers see the same chat accounts (which
    # `privacy` counts).
    await core_says(district, who.email, "help")
    status, body = await workspace.command(command, text, user=who)
    assert status == 200
    expected = await core_says(district, who.email, line)
    assert body["text"] == escape(expected)


async def test_forget_me_asks_first_and_its_button_carries_the_confirmed_command(workspace):
    status, body = await workspace.command("/forget-me")
    assert status == 200
    assert [b["value"] for b in buttons(body["blocks"])] == ["forget-me --yes", "no"]


async def test_join_and_leave_by_pressing_buttons(workspace, district):
    fake = workspace.fake
    _, info = await workspace.command("/groups", "info new-teachers")
    await workspace.press(button(info["blocks"], "Join"))
    await workspace.idle()
    question = fake.of("response_url")[-1].args
    assert question["response_type"] == "ephemeral" and question["replace_original"] is False
    confirm = button(question["blocks"], "Join")
    assert confirm["value"] == "groups join new-teachers --yes" and confirm["style"] == "primary"
    await workspace.press(confirm)
    await workspace.idle()
    joined = fake.of("response_url")[-1].args
    assert joined["text"] == escape(Translator("en")("groups.joined", group="New Teachers Circle"))
    async with district.sessions() as session:
        status = (
            await session.execute(
                select(Membership.status).join(Group).join(Person, Person.id == Membership.person_id).where(Group.slug == "new-teachers", Person.email == MARIA.email)
            )
        ).scalar_one()
    assert status == "active"

    _, mine = await workspace.command("/groups", "mine")
    leave = [b for b in buttons(mine["blocks"]) if b["value"] == "groups leave new-teachers"]
    assert leave and leave[0]["style"] == "danger"
    await workspace.press(leave[0])
    await workspace.idle()
    left = fake.of("response_url")[-1].args["text"]
    async with district.sessions() as session:
        status = (
            await session.execute(
                select(Membership.status).join(Group).join(Person, Person.id == Membership.person_id).where(Group.slug == "new-teachers", Person.email == MARIA.email)
            )
        ).scalar_one()
    assert status == "left" and left == escape(Translator("en")("groups.left", group="New Teachers Circle"))


async def test_a_facilitator_approves_a_request_by_mentioning_the_person(workspace, district):
    workspace.fake.add(LENA)
    await workspace.command("/groups", "join staff-voices --yes")
    status, body = await workspace.command("/groups", "approve staff-voices <@U0MARIA|maria.lopez>", user=LENA)
    assert status == 200
    assert "Maria Lopez" in body["text"], body["text"]
    async with district.sessions() as session:
        status = (
            await session.execute(
                select(Membership.status).join(Group).join(Person, Person.id == Membership.person_id).where(Group.slug == "staff-voices", Person.email == MARIA.email)
            )
        ).scalar_one()
    assert status == "active"


async def test_a_report_chart_is_uploaded_to_the_persons_dm_after_the_answer(workspace):
    status, body = await workspace.command("/report", "membership", user=DANA)
    assert status == 200 and body["text"]
    await workspace.idle()
    fake = workspace.fake
    assert fake.of("conversations.open")[-1].args["users"] == DANA.user_id
    uploads = fake.of("upload")
    assert uploads and uploads[-1].body.startswith(b"\x89PNG")
    done = fake.of("files.completeUploadExternal")[-1].args
    assert done["channel_id"].startswith("D") and done["files"][0]["title"]


async def test_text_that_slack_escaped_reaches_the_core_as_typed(workspace, district):
    # Slack sends "&" as "&amp;" and links in angle brackets; the core sees what was typed.
    status, body = await workspace.command("/groups", "parents &amp; staff")
    assert status == 200
    assert body["text"] == escape(await core_says(district, MARIA.email, "groups parents & staff"))


async def test_a_slow_answer_is_acknowledged_empty_and_arrives_by_response_url(workspace, district):
    workspace.adapter.ack_budget = 0.0
    status, body = await workspace.command("/groups", "mine")
    assert status == 200 and body is None
    await workspace.idle()
    late = workspace.fake.of("response_url")[-1].args
    assert late["text"] == escape(await core_says(district, MARIA.email, "groups mine"))
    assert late["response_type"] == "ephemeral"


async def test_when_slack_cannot_say_who_a_new_person_is_nothing_is_created(workspace, district):
    workspace.fake.fail("users.info", error="fatal_error")
    async with district.sessions() as session:
        before = len((await session.execute(select(Person))).scalars().all())
    status, body = await workspace.command("/groups", "mine")
    assert status == 200 and body["text"] == escape(Translator("en")("errors.internal"))
    async with district.sessions() as session:
        assert len((await session.execute(select(Person))).scalars().all()) == before
        assert (await session.execute(select(PlatformLink).where(PlatformLink.platform == "slack"))).first() is None
    # Next time Slack answers, and Maria of the roster is found by her e-mail.
    status, body = await workspace.command("/groups", "mine")
    assert body["text"] == escape(await core_says(district, MARIA.email, "groups mine"))


async def test_privacy_export_is_uploaded_to_the_persons_dm_as_json(workspace):
    import json

    status, body = await workspace.command("/privacy", "export")
    assert status == 200 and "affinity-records-" in body["text"]
    await workspace.idle()
    fake = workspace.fake
    assert fake.of("conversations.open")[-1].args["users"] == MARIA.user_id
    data = json.loads(fake.of("upload")[-1].body)
    assert data["records"]["profile"][0]["email"] == MARIA.email
    done = fake.of("files.completeUploadExternal")[-1].args
    assert done["channel_id"].startswith("D")
