"""Activities not as Teams sends them: 400 (or a polite 200), never a 5xx, never a row.

The findings first, each reproduced over HTTP; then a property test per input path, with the
paths of tests/support/fuzz_teams.py (which bench/fuzz.py runs at ten thousand examples).
"""

from __future__ import annotations

import pytest

from tests.adapters.teams.conftest import MARIA
from tests.support import fuzz, fuzz_teams
from tests.support.fuzz import grown, row_counts

IGNORED = fuzz_teams.IGNORED


@pytest.mark.parametrize(
    "change",
    [
        {"conversation": []},
        {"from": {}},
        {"recipient": True},
        {"id": {"a": 1}},
        {"from": {"id": 5, "name": "Maria Lopez"}},
        {"from": {"id": "29:1x\x00y"}},
        {"from": {"id": "   "}},
        {"conversation": {"id": ["a:1chat"]}},
        {"conversation": {"id": "a:1chat", "tenantId": 7}},
        {"channelData": "tenant"},
        {"channelData": {"tenant": []}},
        {"locale": ["en-US"]},
        {"localTimezone": 3},
        {"text": 42},
        {"text": "help\x00"},
        {"entities": {"type": "mention"}},
        {"entities": [{"type": "mention", "mentioned": 5}]},
        {"serviceUrl": ["http://127.0.0.1/"]},
        {"value": {"action_id": ["run"], "value": "help"}},
        {"value": {"form_id": "groups.pick", "in.group": {"nested": True}}},
        {"type": ""},
        {"type": 7},
    ],
)
async def test_an_activity_teams_never_sends_gets_400_and_writes_nothing(teams, district, change):
    activity = teams.activity("message_personal", text="help")
    activity["from"] = {"id": "29:1Unknown-person-never-seen", "name": "Nobody Known"}
    activity.update(change)
    before = await row_counts(district.engine)
    status, _ = await teams.post(activity)
    assert status == 400
    assert grown(before, await row_counts(district.engine), IGNORED) == {}
    assert teams.connector.calls == []


@pytest.mark.parametrize("kind", ["invoke"])
@pytest.mark.parametrize("name", ["task/fetch", "task/submit", "signin/verifyState", "composeExtension/query", "something/new"])
async def test_an_invoke_the_bot_offers_nothing_for_gets_a_polite_200(teams, district, kind, name):
    activity = teams.activity("invoke_card_action", sender=MARIA, value={"data": {}})
    activity["name"] = name
    before = await row_counts(district.engine)
    status, body = await teams.post(activity)
    assert status == 200 and isinstance(body, dict)
    assert grown(before, await row_counts(district.engine), IGNORED | {"person", "platform_link"}) == {}


async def test_an_activity_type_the_bot_ignores_gets_200(teams, district):
    before = await row_counts(district.engine)
    status, _ = await teams.post(teams.activity("message_personal", sender=MARIA, type="typing"))
    assert status == 200
    assert grown(before, await row_counts(district.engine), IGNORED) == {}


@pytest.mark.parametrize("path", fuzz_teams.PATHS, ids=lambda p: p.name)
def test_hostile_activities_never_get_a_5xx_or_a_row(path):
    fuzz.run(path, 80)
