"""Messages and card submissions posted to /api/messages, answered through the fake connector."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.catalogue import Translator
from storage.models import Group, Membership, Person, PlatformLink, TeamsConversation
from tests.adapters.teams.conftest import BOT, CHANNEL, MARIA, PERSONAL_CHAT, TENANT
from tests.adapters.teams.replies import ADAPTIVE, buttons, card_of, text_of

t = Translator("en")


async def test_groups_is_answered_with_an_adaptive_card_in_the_personal_chat(teams):
    activity = teams.activity("message_personal", text="groups")
    status, _ = await teams.post(activity)

    assert status == 200
    [reply] = teams.connector.sent()
    # A reply to the message, in the same conversation, from the bot to the person.
    assert reply.conversation_id == PERSONAL_CHAT
    assert reply.reply_to == activity["id"]
    assert reply.body["from"]["id"] == BOT and reply.body["recipient"]["id"] == MARIA
    attachment = reply.body["attachments"][0]
    assert attachment["contentType"] == ADAPTIVE
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card["body"][0]["text"] == t("groups.list_title")
    containers = [e for e in card["body"] if e["type"] == "Container"]
    assert len(containers) == 7  # the groups Maria, a teacher, may join
    first = buttons(containers[0])
    assert first["Details"]["data"] == {"action_id": "run", "value": "groups info bilingual-staff"}
    assert first["Join"]["data"] == {"action_id": "run", "value": "groups join bilingual-staff"}
    assert first["Join"]["style"] == "positive"
    # The text form travels with the card for notifications and screen readers.
    assert card["fallbackText"].startswith(t("groups.list_title"))
    assert reply.body["summary"] == t("groups.list_title")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("help", t("help.title")),
        ("/help", t("help.title")),
        ("groups info lgbtq-educators", "LGBTQ+ Educators (lgbtq-educators)"),
        ("groups join lgbtq-educators", t("groups.confirm_title", group="LGBTQ+ Educators")),
        ("groups mine", t("groups.mine_none")),
        ("groups leave lgbtq-educators", t("groups.not_member", group="LGBTQ+ Educators")),
        ("groups members lgbtq-educators", t("roles.needed_for_group", role=t("roles.facilitator"), group="LGBTQ+ Educators")),
        ("settings", t("settings.title")),
        ("privacy", t("privacy.title")),
        ("forget-me", t("privacy.forget_title")),
        ("no", t("common.nothing_to_cancel")),
        ("report membership", t("roles.needed", role=t("roles.dei_office"))),
        ("grups", t("help.did_you_mean", word="grups", suggestion="groups")),
    ],
)
async def test_each_command_answers_with_its_sentence(teams, typed, expected):
    [reply] = await teams.say(typed)
    assert text_of(reply).startswith(expected)


async def test_pressing_the_card_buttons_joins_a_group(teams, district):
    # "Join" on the groups list arrives as a message whose value is the button's data.
    status, _ = await teams.post(teams.activity("submit_action"))
    assert status == 200
    confirm = card_of(teams.connector.sent()[-1])
    assert confirm["body"][0]["text"] == t("groups.confirm_title", group="LGBTQ+ Educators")
    join = buttons(confirm)["Join"]

    pressed = teams.activity("submit_action", value=join["data"])
    assert "text" not in pressed
    status, _ = await teams.post(pressed)

    assert status == 200
    assert text_of(teams.connector.sent()[-1]) == t("groups.joined", group="LGBTQ+ Educators")
    async with district.sessions() as session:
        rows = await session.execute(
            select(Membership.status)
            .join(Person, Person.id == Membership.person_id)
            .join(Group, Group.id == Membership.group_id)
            .where(Person.email == "maria.lopez@district.example", Group.slug == "lgbtq-educators")
        )
        assert rows.scalars().all() == ["active"]


async def test_a_forged_button_can_do_no_more_than_typing(teams):
    forged = teams.activity("submit_action", value={"action_id": "grant", "value": "roles grant admin"})
    status, _ = await teams.post(forged)
    assert status == 200
    assert text_of(teams.connector.sent()[-1]) == t("errors.unknown_action")


async def test_an_action_execute_invoke_is_answered_in_the_http_response(teams):
    status, body = await teams.post(teams.activity("invoke_card_action"))

    assert status == 200
    assert body["statusCode"] == 200 and body["type"] == ADAPTIVE
    assert body["value"]["body"][0]["text"] == "Bilingual Staff / Personal Bilingüe (bilingual-staff)"
    # The card replaces the one pressed; nothing else is posted.
    assert teams.connector.sent() == []


async def test_the_first_message_stores_the_personal_conversation_reference(teams, district):
    await teams.say("help")

    async with district.sessions() as session:
        link = (
            await session.execute(select(PlatformLink).where(PlatformLink.platform == "teams", PlatformLink.user_id == "6a1f0e2c-7b3d-4c8e-9f10-2a3b4c5d6e7f"))
        ).scalar_one()
        person = await session.get(Person, link.person_id)
    assert link.tenant == TENANT
    assert link.reference == {
        "service_url": teams.connector.url,
        "user_id": MARIA,
        "bot_id": BOT,
        "tenant_id": TENANT,
        "conversation_id": PERSONAL_CHAT,
    }
    # The Teams identity joined the roster person with the same e-mail (from the member lookup).
    assert person.email == "maria.lopez@district.example" and person.name == "Maria Lopez"


async def test_the_member_record_is_asked_for_once_then_remembered(teams):
    await teams.say("help")
    await teams.say("groups mine")
    await teams.say("privacy")
    assert len(teams.connector.member_lookups()) == 1


async def test_in_a_channel_the_answer_goes_to_the_persons_own_chat(teams, district):
    activity = teams.activity("message_channel_mention")
    status, _ = await teams.post(activity)

    assert status == 200
    created = [c for c in teams.connector.calls if c.path == "/v3/conversations"]
    assert len(created) == 1
    assert created[0].body["members"] == [{"id": MARIA}]
    assert created[0].body["tenantId"] == TENANT and created[0].body["isGroup"] is False
    private, notice = teams.connector.sent()
    assert private.conversation_id.startswith("a:1new")
    assert card_of(private)["body"][0]["text"] == "LGBTQ+ Educators (lgbtq-educators)"
    # The channel only hears that the answer went elsewhere, in the thread it was asked in.
    assert notice.conversation_id == activity["conversation"]["id"]
    assert notice.reply_to == activity["id"]
    assert text_of(notice) == t("teams.answered_privately")
    assert "LGBTQ" not in str(notice.body)
    async with district.sessions() as session:
        channel = (await session.execute(select(TeamsConversation))).scalar_one()
    assert (channel.conversation_id, channel.kind, channel.tenant) == (CHANNEL, "channel", TENANT)
    assert channel.team_id == "19:8e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b@thread.tacv2"

    # The chat it opened is reused next time.
    await teams.post(teams.activity("message_channel_mention", text="<at>Affinity</at> groups mine"))
    assert len([c for c in teams.connector.calls if c.path == "/v3/conversations"]) == 1
    assert teams.connector.sent()[-2].conversation_id == private.conversation_id


async def test_in_a_channel_without_a_personal_install_nothing_private_is_posted(teams):
    teams.connector.not_installed.add(MARIA)
    status, _ = await teams.post(teams.activity("message_channel_mention", text="<at>Affinity</at> groups mine"))

    assert status == 200
    [notice] = teams.connector.sent()
    assert text_of(notice) == t("teams.open_private_chat", bot="Affinity")


async def test_a_group_chat_mention_with_a_slash_and_a_non_breaking_space(teams):
    await teams.say("help")
    status, _ = await teams.post(teams.activity("message_group_chat"))
    assert status == 200
    private, notice = teams.connector.sent()[-2:]
    assert private.conversation_id == PERSONAL_CHAT
    assert text_of(private) == t("groups.mine_none")
    assert text_of(notice) == t("teams.answered_privately")


async def test_spanish_locale_gets_spanish_notices(teams):
    teams.connector.not_installed.add(MARIA)
    await teams.post(teams.activity("message_channel_mention", locale="es-MX"))
    assert text_of(teams.connector.sent()[-1]) == Translator("es")("teams.open_private_chat", bot="Affinity")


@pytest.mark.parametrize(
    ("payload", "content_type", "status"),
    [(b"not json", "application/json", 400), (b"[]", "application/json", 400), (b"{}", "application/json", 400), (b"type=message", "application/x-www-form-urlencoded", 415)],
)
async def test_malformed_requests_are_refused(teams, payload, content_type, status):
    async with teams.session.post(teams.base_url + "/api/messages", data=payload, headers={"Content-Type": content_type}) as response:
        assert response.status == status
    assert teams.connector.calls == []


async def test_text_is_never_logged(teams, captured_logs):
    secret = "groups my-secret-words-7731"
    await teams.say(secret)
    assert "secret-words" not in captured_logs.text


async def test_privacy_export_on_teams_says_where_to_get_the_file_instead_of_promising_one(teams):
    import json

    calls = await teams.say("privacy export")
    assert calls and "Teams cannot receive your records as a file" in json.dumps(calls[-1].body)
