"""Concerns over Teams: `concern` opens a dialog with a card form, its submission files the case, and nothing names the reporter.

SPEC §4.3 on the Teams path, over real HTTP: activities posted to /api/messages, answers to the
fake connector. After Maria files (and follows up, and checks her case), the whole database,
every log line at DEBUG and every call to the connector are searched for her AAD object id, her
29: id, her UPN and e-mail, her name and her person id.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from sqlalchemy import select

from bot.catalogue import Translator
from storage.models import Concern, ConcernMessage, Person
from tests.adapters.teams.conftest import BOT, MARIA, PERSONAL_CHAT
from tests.adapters.teams.replies import buttons, card_of, elements, text_of
from tests.support.dump import dump_rows

CODE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{5}\b")
TEXT = "At the third-floor staff meeting a colleague mocked the accents of the bilingual aides, twice."
FOLLOWUP = "It happened again at the Friday assembly, in front of students."
t = Translator("en")
#: Loggers turned to DEBUG after the app is built, over what the application sets for them.
LOGGERS = ("", "affinity", "botbuilder", "botframework", "msrest", "aiohttp", "aiohttp.access", "aiohttp.server", "aiohttp.client", "sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool")


@pytest.fixture
def every_log(caplog, teams):
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def logged(records) -> list[str]:
    return [f"{r.name} {r.getMessage()} {r.exc_text or ''}".lower() for r in records]



async def reporter_needles(teams, district) -> list[str]:
    """Everything that names Maria on Teams: both ids, UPN and e-mail, her chat, name and person id."""
    info = teams.connector.members[MARIA]
    async with district.sessions() as s:
        person = (await s.execute(select(Person).where(Person.email == info["userPrincipalName"]))).scalar_one()
    first, last = person.name.split(" ", 1)
    return [
        n.lower()
        for n in (MARIA, MARIA.removeprefix("29:"), info["aadObjectId"], info["userPrincipalName"], info["email"], info["name"], PERSONAL_CHAT, first, last, f"person:{person.id}", f"person_id={person.id}")
    ]


async def opened_form(teams) -> dict:
    shown, [opener, *_] = await teams.open_dialog("concern")
    assert opener.conversation_id == PERSONAL_CHAT and opener.body["recipient"]["id"] == MARIA
    card = card_of(shown)
    assert card is not None, "the form is an Adaptive Card"
    return card


def inputs_of(card: dict) -> dict[str, dict]:
    return {e["id"]: e for e in elements(card) if e["type"].startswith("Input.")}


def submission(card: dict, category: str, site: str | None, text: str) -> dict:
    """Action.Submit's `value` as Teams posts it: the button's data merged with the inputs' values.

    An optional ChoiceSet nobody picked from is left out, as Teams leaves it out.
    """
    submit = buttons(card)[t("concerns.form_submit")]
    value = {**submit["data"], "in.category": category, "in.what_happened": text}
    if site is not None:
        value["in.site"] = site
    return value


async def submit(teams, card: dict, category: str, site: str | None, text: str) -> tuple[object, list]:
    """Submit the dialog's form: what the dialog shows next, and every call the bot made."""
    return await teams.in_dialog("task/submit", submission(card, category, site, text))


async def concern_rows(district) -> list[tuple[str, dict]]:
    return [(table, row) for table, row in await dump_rows(district) if table in ("concern", "concern_message")]


async def test_concern_answers_with_a_card_form_of_category_site_and_4000_characters(teams):
    card = await opened_form(teams)
    inputs = inputs_of(card)
    assert list(inputs) == ["in.category", "in.site", "in.what_happened"]
    category, site, text = inputs["in.category"], inputs["in.site"], inputs["in.what_happened"]
    assert category["type"] == "Input.ChoiceSet" and category["isRequired"] is True and not category.get("isMultiSelect")
    assert [c["value"] for c in category["choices"]] == ["harassment", "discrimination", "inclusion", "workload", "safety", "other"]
    assert site["type"] == "Input.ChoiceSet" and site["isRequired"] is False
    assert "Jefferson High" in [c["value"] for c in site["choices"]]
    assert text["type"] == "Input.Text" and text["isMultiline"] is True and text["maxLength"] == 4000 and text["isRequired"] is True
    submit = buttons(card)[t("concerns.form_submit")]
    assert submit["data"]["form_id"] == "concern.file"


async def test_filing_on_teams_leaves_no_trace_of_the_reporter(teams, district, every_log):
    card = await opened_form(teams)
    shown, calls = await submit(teams, card, "discrimination", "Jefferson High", TEXT)
    # The code reaches the reporter in the dialog only: the invoke's answer, no message at all.
    code = CODE.search(text_of(shown)).group(0)
    assert TEXT not in json.dumps(shown.body, ensure_ascii=False), "the answer does not repeat what she wrote"
    assert calls == [], "nothing is sent or looked up because of a filing"

    [added] = await teams.say(f"concern followup {code} {FOLLOWUP}")
    assert added.conversation_id == PERSONAL_CHAT and text_of(added) == t("concerns.followup_added")
    asked, _ = await teams.open_dialog("concern status")
    status, calls = await teams.in_dialog("task/submit", {**buttons(card_of(asked))[t("concerns.status_form_submit")]["data"], "in.code": code.lower()})
    assert FOLLOWUP in text_of(status) and calls == []
    assert not [c for c in teams.connector.calls if any(p in json.dumps(c.body or {}, ensure_ascii=False) for p in (code, TEXT))]
    records = list(every_log.records)

    needles = await reporter_needles(teams, district)
    rows = await concern_rows(district)
    assert sorted(table for table, _ in rows) == ["concern", "concern_message"]
    for table, row in rows:
        text = repr(row).lower()
        assert not [n for n in needles if n in text], (table, row)
        assert not any(hasattr(v, "hour") for v in row.values()), "dates only, never instants"
    async with district.sessions() as s:
        concern = (await s.execute(select(Concern))).scalar_one()
        message = (await s.execute(select(ConcernMessage))).scalar_one()
    assert concern.text == TEXT and concern.site == "Jefferson High" and message.text == FOLLOWUP
    for table, row in await dump_rows(district):
        text = repr(row)
        assert code.replace("-", "") not in text.replace("-", ""), (table, row)
        if table not in ("concern", "concern_message"):
            # The stored conversation reference is how to reach her, never what she filed.
            assert not any(part in text for part in (TEXT, FOLLOWUP, concern.code_hash, concern.reference, concern.id)), (table, row)

    assert records, "the loggers were listening"
    case = [p.lower() for p in (TEXT, FOLLOWUP, code, code.replace("-", ""), concern.code_hash, concern.reference, concern.id)]
    for record, line in zip(records, logged(records)):
        named = [n for n in needles if n in line]
        assert not (named and any(p in line for p in case + ["concern", "what_happened", "discrimination", "jefferson"])), line
        # ...and no line holds the case at all (storage drops SQLAlchemy's row echo).
        assert not any(p in line for p in case), line


async def test_text_over_4000_characters_is_refused_with_its_length_and_nothing_is_stored(teams, district):
    card = await opened_form(teams)
    # Teams' client keeps to maxLength; a crafted or older client's activity may not.
    reply, _ = await submit(teams, card, "safety", None, "x" * 4001)
    said = text_of(reply)
    assert "4001" in said and "4000" in said and not CODE.search(said)
    assert await concern_rows(district) == []
    # Exactly the limit is fine (and a site left empty may also come as "").
    reply, _ = await submit(teams, card, "safety", "", "y" * 4000)
    assert CODE.search(text_of(reply))
    assert len(await concern_rows(district)) == 1
