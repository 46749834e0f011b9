"""Hypothesis-generated signed bodies on each Slack input path: no 5xx, nothing escapes, no row
unless the body is as Slack sends it (tests/support/fuzz_slack.py; bench/fuzz.py runs more)."""

from __future__ import annotations

import pytest

from tests.support import fuzz, fuzz_slack

EXAMPLES = 80


PATHS = {
    "command": fuzz_slack.command_path,
    "block_actions": fuzz_slack.block_actions_path,
    "view_submission": fuzz_slack.view_submission_path,
    "events": fuzz_slack.events_path,
    "block_suggestion": fuzz_slack.block_suggestion_path,
}


@pytest.mark.parametrize("make", list(PATHS.values()), ids=list(PATHS))
def test_hostile_signed_bodies_get_no_5xx_and_write_no_row(make, database_url):
    # database_url: a fresh migrated database, once on SQLite and once on PostgreSQL.
    # The same examples on every run, so CI stays steady; bench/fuzz.py draws new ones, many more.
    ran = fuzz.run(make(database_url), EXAMPLES, derandomize=True)
    assert ran.examples >= EXAMPLES // 2
