"""Concerns over Slack: `/concern` opens a modal, its submission files the case, and nothing names the reporter.

SPEC §4.3 on the Slack path, over real HTTP with signed requests: after Maria files (and follows
up, and checks her case), the whole database, every log line at DEBUG and every call the bot made
to Slack after the submission are searched for her Slack id, e-mail, name and person id.
"""

from __future__ import annotations

import json
import logging
import re

import aiohttp
import pytest
from sqlalchemy import select

from adapters.slack import ADAPTER
from bot.catalogue import Translator
from storage.models import Concern, ConcernMessage, Person
from tests.adapters.slack.conftest import BOT_TOKEN, MARIA, SECRET, Workspace, serve_slack
from tests.adapters.slack.fake_slack import TEAM, fixture
from tests.support.dump import dump_rows

CODE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{5}\b")
TEXT = "At the third-floor staff meeting a colleague mocked the accents of the bilingual aides, twice."
FOLLOWUP = "It happened again at the Friday assembly, in front of students."
t = Translator("en")
#: Loggers turned to DEBUG after the app is built, over what the application sets for them.
LOGGERS = ("", "slack_bolt", "slack_sdk", "affinity", "affinity.slack.framework", "aiohttp", "aiohttp.access", "aiohttp.server", "aiohttp.client", "sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool")


@pytest.fixture
def every_log(caplog, workspace):
    """Every logger the request passes through, at DEBUG, captured (after the adapter set its own levels)."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def logged(records) -> list[str]:
    return [f"{r.name} {r.getMessage()} {r.exc_text or ''}".lower() for r in records]


async def reporter_needles(district) -> list[str]:
    """Everything that names Maria: her Slack ids, her username, e-mail, name and person id."""
    async with district.sessions() as s:
        person = (await s.execute(select(Person).where(Person.email == MARIA.email))).scalar_one()
    first, last = person.name.split(" ", 1)
    return [n.lower() for n in (MARIA.user_id, f"{TEAM}:{MARIA.user_id}", f"{TEAM}/{MARIA.user_id}", MARIA.email, MARIA.email.split("@")[0], person.name, first, last, f"person:{person.id}", f"person_id={person.id}")]


async def opened_form(workspace) -> dict:
    status, body = await workspace.command("/concern")
    assert status == 200 and body is None, "the acknowledgement is empty; the form opens as a modal"
    call = (await workspace.fake.wait_for("views.open"))[-1]
    assert call.args["trigger_id"] == fixture("slash_command")["trigger_id"]
    return call.args["view"]


def inputs_of(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def state(view: dict, category: str | None, site: str | None, text: str | None) -> dict:
    """view.state.values as Slack sends them for this modal: by block id, then action id."""
    chosen = {"category": category, "site": site}
    values: dict = {}
    for block_id, block in inputs_of(view).items():
        element = block["element"]
        if element["type"] == "static_select":
            picked = next((o for o in element["options"] if o["value"] == chosen.get(block_id)), None)
            value = {"type": "static_select", "selected_option": {"text": picked["text"], "value": picked["value"]} if picked else None}
        else:
            value = {"type": element["type"], "value": text}
        values[block_id] = {element["action_id"]: value}
    return values


def shown_text(view: dict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


async def concern_rows(district) -> list[tuple[str, dict]]:
    return [(table, row) for table, row in await dump_rows(district) if table in ("concern", "concern_message")]


async def test_the_concern_modal_has_a_category_an_optional_site_and_room_for_4000_characters(workspace):
    view = await opened_form(workspace)
    assert view["type"] == "modal" and view["callback_id"] == "affinity_form"
    assert json.loads(view["private_metadata"])["form"] == "concern.file"
    inputs = inputs_of(view)
    assert list(inputs) == ["category", "site", "what_happened"]
    category, site, text = inputs["category"], inputs["site"], inputs["what_happened"]
    assert category["element"]["type"] == "static_select" and category["optional"] is False
    assert [o["value"] for o in category["element"]["options"]] == ["harassment", "discrimination", "inclusion", "workload", "safety", "other"]
    assert site["element"]["type"] == "static_select" and site["optional"] is True
    assert "Jefferson High" in [o["value"] for o in site["element"]["options"]]
    assert text["element"]["type"] == "plain_text_input" and text["element"]["multiline"] is True and text["optional"] is False
    # Slack accepts a max_length of 1 to 3000 only; any of those would refuse text the district
    # allows, so the field has none and the core refuses what is over 4000, with its length.
    assert "max_length" not in text["element"]
    assert "4000" in text["hint"]["text"]


async def file_follow_up_and_check(workspace) -> str:
    """Maria files, follows up and reads her case over Slack; returns her case code."""
    view = await opened_form(workspace)
    before = len(workspace.fake.calls)
    status, body = await workspace.submit(view, state(view, "discrimination", "Jefferson High", TEXT))
    await workspace.idle()
    assert status == 200 and body["response_action"] == "update"
    # The code reaches the reporter in the modal she has open, and nowhere else.
    code = CODE.search(shown_text(body["view"])).group(0)
    for call in workspace.fake.calls[before:]:
        sent = json.dumps(call.args, ensure_ascii=False)
        assert code not in sent and TEXT not in sent, call

    status, answer = await workspace.command("/concern", f"followup {code} {FOLLOWUP}")
    assert status == 200 and answer["response_type"] == "ephemeral", "a follow-up's answer is for the reporter alone"
    assert answer["text"] == t("concerns.followup_added")
    status, answer = await workspace.command("/concern", f"status {code.lower()}")
    assert status == 200 and answer["response_type"] == "ephemeral", "the status holds the case: never in the channel"
    assert FOLLOWUP in json.dumps(answer, ensure_ascii=False)
    await workspace.idle()
    for call in workspace.fake.calls[before:]:
        sent = json.dumps(call.args, ensure_ascii=False)
        assert not any(part in sent for part in (code, TEXT, FOLLOWUP)), call
    return code



async def test_filing_on_slack_leaves_no_trace_of_the_reporter(workspace, district, every_log):
    code = await file_follow_up_and_check(workspace)
    # What the loggers said while the bot worked, before this test reads the database itself.
    records = list(every_log.records)

    needles = await reporter_needles(district)
    rows = await concern_rows(district)
    assert sorted(table for table, _ in rows) == ["concern", "concern_message"]
    for table, row in rows:
        text = repr(row).lower()
        assert not [n for n in needles if n in text], (table, row)
        assert not any(hasattr(v, "hour") for v in row.values()), "dates only, never instants"
    # What the case holds lives in its own tables only, and the code in none at all.
    async with district.sessions() as s:
        concern = (await s.execute(select(Concern))).scalar_one()
        message = (await s.execute(select(ConcernMessage))).scalar_one()
    assert concern.text == TEXT and concern.site == "Jefferson High" and message.text == FOLLOWUP
    for table, row in await dump_rows(district):
        text = repr(row)
        assert code.replace("-", "") not in text.replace("-", ""), (table, row)
        if table not in ("concern", "concern_message"):
            assert not any(part in text for part in (TEXT, FOLLOWUP, concern.code_hash, concern.reference, concern.id)), (table, row)

    assert records, "the loggers were listening"
    case = [p.lower() for p in (TEXT, FOLLOWUP, code, code.replace("-", ""), concern.code_hash, concern.reference, concern.id)]
    for record, line in zip(records, logged(records)):
        named = [n for n in needles if n in line]
        # No line ties the reporter to the case...
        assert not (named and any(p in line for p in case + ["concern", "what_happened", "discrimination", "jefferson"])), line
        # ...and no line holds the case at all (storage drops SQLAlchemy's row echo).
        assert not any(p in line for p in case), line


async def test_no_log_line_holds_the_case_or_the_reporter_even_from_sqlalchemy_at_debug(workspace, district, every_log):
    # At DEBUG, SQLAlchemy prints every result row: the reporter's person row, and right after
    # it the case's row when she follows up. Each line alone passes the test above; together,
    # in order, they tie her to the case.
    await file_follow_up_and_check(workspace)
    lines = logged(list(every_log.records))
    needles = await reporter_needles(district)
    assert not [line for line in lines if TEXT.lower() in line or FOLLOWUP.lower() in line]
    assert not [line for line in lines if any(n in line for n in needles)]


async def test_text_over_4000_characters_is_refused_with_its_length_and_nothing_is_stored(workspace, district):
    view = await opened_form(workspace)
    status, body = await workspace.submit(view, state(view, "safety", None, "x" * 4001))
    assert status == 200
    if body["response_action"] == "errors":
        assert list(body["errors"]) == ["what_happened"]
        said = body["errors"]["what_happened"]
    else:
        # The adapter's way for a refusal that names no field: the sentence above the kept form.
        assert body["response_action"] == "update"
        shown = body["view"]
        assert shown["blocks"][0]["block_id"] == "affinity_error"
        assert list(inputs_of(shown)) == ["category", "site", "what_happened"]
        assert json.loads(shown["private_metadata"])["form"] == "concern.file"
        said = shown["blocks"][0]["elements"][0]["text"]
    assert "4001" in said and "4000" in said
    assert await concern_rows(district) == []
    # Exactly the limit is fine.
    status, body = await workspace.submit(view, state(view, "safety", None, "y" * 4000))
    assert body["response_action"] == "update" and CODE.search(shown_text(body["view"]))
    assert len(await concern_rows(district)) == 1


async def test_a_district_without_sites_still_gets_a_form_slack_accepts(runtime, fake_slack):
    # No roster and no configured sites: a select with no options is one views.open refuses.
    app, runner, base = await serve_slack(runtime, fake_slack, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET)
    app[ADAPTER].ack_budget = 30.0  # as the workspace fixture: a busy machine must not make answers late
    try:
        async with aiohttp.ClientSession() as session:
            workspace = Workspace(base, fake_slack, session, app)
            view = await opened_form(workspace)
            for block in view["blocks"]:
                element = block.get("element") or {}
                if element.get("type") in ("static_select", "multi_static_select"):
                    assert 1 <= len(element["options"]) <= 100, block
            assert "site" not in inputs_of(view)
            status, body = await workspace.submit(view, state(view, "workload", None, "Too many duties this term."))
            assert body["response_action"] == "update" and CODE.search(shown_text(body["view"]))
    finally:
        await runner.cleanup()
    async with runtime.sessions() as s:
        assert (await s.execute(select(Concern.site))).scalar_one() is None
