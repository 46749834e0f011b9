"""Events API: URL verification, a person joining the workspace, the Home tab, and Slack's retries."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Person, PlatformLink
from tests.adapters.slack.conftest import MARIA, TEAM, button
from tests.adapters.slack.fake_slack import fixture


async def test_url_verification_answers_the_challenge(workspace):
    payload = fixture("event_url_verification")
    status, body = await workspace.event(payload)
    assert status == 200
    assert body == {"challenge": payload["challenge"]}


async def test_team_join_reaches_the_core_as_a_person_appearing(workspace, district):
    status, body = await workspace.event(fixture("event_team_join"))
    assert status == 200 and body is None
    await workspace.idle()
    async with district.sessions() as session:
        person = (await session.execute(select(Person).where(Person.email == "sam.rivera@district.example"))).scalar_one()
        link = (await session.execute(select(PlatformLink).where(PlatformLink.person_id == person.id))).scalar_one()
    assert (person.name, person.language, person.timezone) == ("Sam Rivera", "es", "America/Chicago")
    assert (link.platform, link.tenant, link.user_id) == ("slack", TEAM, "U0NEWHIRE")
    # The event carried the profile: no users.info call, and nothing was said to anyone.
    assert not workspace.fake.of("users.info")
    assert not workspace.fake.of("chat.postMessage")


async def test_a_roster_person_joining_slack_is_linked_not_duplicated(workspace, district):
    payload = fixture("event_team_join")
    payload["event"]["user"]["id"] = "U0ZOE"
    payload["event"]["user"]["profile"]["email"] = "Zoe.Thompson@district.example"
    async with district.sessions() as session:
        before = len((await session.execute(select(Person))).scalars().all())
    await workspace.event(payload)
    await workspace.idle()
    async with district.sessions() as session:
        people = (await session.execute(select(Person))).scalars().all()
        zoe = (await session.execute(select(Person).join(PlatformLink).where(PlatformLink.user_id == "U0ZOE"))).scalar_one()
    assert len(people) == before
    assert zoe.email == "zoe.thompson@district.example" and zoe.name == "Zoe Thompson"


async def test_bots_joining_are_ignored(workspace, district):
    payload = fixture("event_team_join")
    payload["event"]["user"]["is_bot"] = True
    payload["event_id"] = "Ev0BOTJOIN"
    status, _ = await workspace.event(payload)
    await workspace.idle()
    assert status == 200
    async with district.sessions() as session:
        assert (await session.execute(select(PlatformLink).where(PlatformLink.user_id == "U0NEWHIRE"))).first() is None


async def test_opening_home_publishes_the_home_tab(workspace, district):
    await workspace.command("/groups", "join lgbtq-educators --yes")
    status, _ = await workspace.event(fixture("event_app_home_opened"))
    assert status == 200
    await workspace.idle()
    published = workspace.fake.of("views.publish")
    assert len(published) == 1
    args = published[0].args
    assert args["user_id"] == MARIA.user_id
    view = args["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert "Maria" in view["blocks"][0]["text"]["text"]
    facts = [f["text"] for b in view["blocks"] if b["type"] == "section" for f in b.get("fields", ())]
    assert any("LGBTQ+ Educators" in f for f in facts)
    assert [b["value"] for b in (e for blk in view["blocks"] if blk["type"] == "actions" for e in blk["elements"])] == ["groups", "groups mine", "settings", "privacy"]


async def test_a_home_button_opens_its_answer_in_a_modal_and_refreshes_home(workspace):
    await workspace.event(fixture("event_app_home_opened"))
    await workspace.idle()
    home = workspace.fake.of("views.publish")[-1].args["view"]
    status, _ = await workspace.press(button(home["blocks"], "Find groups"), where="home")
    assert status == 200
    await workspace.idle()
    opened = workspace.fake.of("views.open")[-1].args
    assert opened["trigger_id"] == fixture("block_actions_home")["trigger_id"]
    modal = opened["view"]
    assert modal["type"] == "modal" and modal["close"]["text"] == "Close"
    assert any(e["value"].startswith("groups join ") for b in modal["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert len(workspace.fake.of("views.publish")) == 2


async def test_home_tab_only_for_the_home_tab(workspace):
    payload = fixture("event_app_home_opened")
    payload["event"]["tab"] = "messages"
    payload["event_id"] = "Ev0MESSAGESTAB"
    status, _ = await workspace.event(payload)
    await workspace.idle()
    assert status == 200 and not workspace.fake.of("views.publish")


async def test_a_retried_event_is_not_processed_twice(workspace):
    payload = fixture("event_app_home_opened")
    await workspace.event(payload)
    await workspace.idle()
    status, _ = await workspace.event(payload, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    await workspace.idle()
    assert status == 200
    assert len(workspace.fake.of("views.publish")) == 1
    # A different event id is a different event.
    payload["event_id"] = "Ev0HOMEOPEN02"
    await workspace.event(payload)
    await workspace.idle()
    assert len(workspace.fake.of("views.publish")) == 2


async def test_events_we_do_not_handle_are_acknowledged(workspace):
    payload = fixture("event_app_home_opened")
    payload["event"] = {"type": "member_joined_channel", "user": "U0MARIA", "channel": "C0TEACHERS", "channel_type": "C", "team": TEAM, "event_ts": "1764042500.000100"}
    payload["event_id"] = "Ev0MEMBERJOINED"
    status, _ = await workspace.event(payload)
    assert status == 200
