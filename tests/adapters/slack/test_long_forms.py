"""A form works at any district size: past Slack's 100 options, a site menu is searched as the
person types (external_select answered through block_suggestion), and nothing is cut off."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import aiohttp
import pytest
from sqlalchemy import select

from adapters.slack import ADAPTER
from bot.bootstrap import Runtime
from bot.catalogue import Translator
from bot.core import Bot
from storage.models import Concern
from tests.adapters.slack.conftest import BOT_TOKEN, MARIA, SECRET, Workspace, serve_slack
from tests.adapters.slack.fake_slack import fixture
from tests.adapters.slack.test_concerns import inputs_of, opened_form

LINCOLN = ("Lincoln Elementary", "Lincoln Middle School", "Lincoln High School", "Abraham Lincoln Academy", "Lincolnshire Early Learning Center")
SITES = LINCOLN + ("José Martí Elementary", "Jefferson High") + tuple(f"Site {n:03d} Campus" for n in range(147))
assert len(SITES) == 154
t = Translator("en")


@pytest.fixture
async def large_district(district, fake_slack):
    """The demo district with 154 sites, behind the web app with one Slack workspace."""
    settings = replace(district.settings, district=replace(district.settings.district, sites=SITES))
    runtime = Runtime(settings, district.engine, district.sessions, Bot(district.sessions, settings, district.clock), district.clock)
    app, runner, base = await serve_slack(runtime, fake_slack, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET)
    app[ADAPTER].ack_budget = 30.0
    async with aiohttp.ClientSession() as session:
        yield Workspace(base, fake_slack, session, app)
    await runner.cleanup()


def typed(view: dict, query: str, block_id: str = "site") -> dict:
    """The block_suggestion Slack sends while the person types into the menu of `block_id`."""
    opened = {**copy.deepcopy(fixture("view_submission")["view"]), **{k: view[k] for k in ("blocks", "private_metadata", "callback_id", "title")}}
    return {
        "type": "block_suggestion",
        "user": {"id": MARIA.user_id, "username": "maria.lopez", "name": "maria.lopez", "team_id": "T0DISTRICT"},
        "container": {"type": "view", "view_id": opened["id"]},
        "api_app_id": "A0AFFINITY",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "action_id": inputs_of(view)[block_id]["element"]["action_id"],
        "block_id": block_id,
        "value": query,
        "team": {"id": "T0DISTRICT", "domain": "lincoln-usd"},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": opened,
    }


async def test_a_154_site_district_searches_its_sites_and_files_the_concern(large_district, district):
    view = await opened_form(large_district)
    site = inputs_of(view)["site"]["element"]
    assert site["type"] == "external_select" and "options" not in site
    # The other menus still fit and stay static.
    assert inputs_of(view)["category"]["element"]["type"] == "static_select"

    status, answer = await large_district.interact(typed(view, "lin"))
    assert status == 200
    labels = [o["text"]["text"] for o in answer["options"]]
    assert set(labels) == set(LINCOLN), "every Lincoln site, and only those"
    assert labels[0] == "Lincoln Elementary", "words starting with the query first, in the list's order"

    status, answer = await large_district.interact(typed(view, "JOSE marti"))
    assert [o["value"] for o in answer["options"]] == ["José Martí Elementary"], "case and accents do not matter"
    status, answer = await large_district.interact(typed(view, "campus"))
    assert len(answer["options"]) == 100, "at most 100 in one answer"

    picked = next(o for o in (await large_district.interact(typed(view, "lincoln high")))[1]["options"] if o["value"] == "Lincoln High School")
    values = {
        "category": {"value": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "Other"}, "value": "other"}}},
        "site": {"value": {"type": "external_select", "selected_option": picked}},
        "what_happened": {"value": {"type": "plain_text_input", "value": "The ramp at the east door has been blocked for weeks."}},
    }
    status, body = await large_district.submit(view, values)
    assert status == 200 and body["response_action"] == "update"
    async with district.sessions() as session:
        concern = (await session.execute(select(Concern))).scalar_one()
    assert concern.site == "Lincoln High School"


async def test_a_site_that_was_never_offered_is_refused(large_district, district):
    view = await opened_form(large_district)
    values = {
        "category": {"value": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "Other"}, "value": "other"}}},
        "site": {"value": {"type": "external_select", "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": "Nowhere Campus"}}},
        "what_happened": {"value": {"type": "plain_text_input", "value": "Something happened."}},
    }
    status, body = await large_district.submit(view, values)
    assert status == 200 and t("concerns.bad_site") in json.dumps(body, ensure_ascii=False)
    async with district.sessions() as session:
        assert (await session.execute(select(Concern))).first() is None


async def test_a_suggestion_for_another_form_or_input_finds_nothing(large_district):
    view = await opened_form(large_district)
    for changed in ({"block_id": "what_happened"}, {"view": {**typed(view, "lin")["view"], "private_metadata": json.dumps({"form": "nope"})}}):
        status, answer = await large_district.interact({**typed(view, "lin"), **changed})
        assert status == 200 and answer["options"] == []


async def test_a_district_within_the_menu_limit_keeps_its_static_menu(workspace):
    view = await opened_form(workspace)
    assert inputs_of(view)["site"]["element"]["type"] == "static_select"
