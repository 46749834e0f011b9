"""`privacy` names every kind of record kept about a person, and `privacy export` gives them their
own records as JSON, never anyone else's (issue 12, item 7)."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.people import records
from bot.people.handlers import record_label
from bot.catalogue import Translator
from storage.models import Base, Person


def test_every_table_that_points_at_a_person_is_a_kind_of_record_or_withheld():
    """Read from the storage metadata: a new table (or column) linking to a person fails here
    until `privacy` tells people about it (bot/people/records.py)."""
    covered = {(k.table, k.column) for k in records.KINDS} | set(records.WITHHELD)
    missing = [pair for pair in records.person_columns() if pair not in covered]
    assert missing == [], f"person-linked columns that `privacy` does not report: {missing}"
    # ...and every kind reads a real person column.
    real = set(records.person_columns())
    assert {(k.table, k.column) for k in records.KINDS} <= real
    assert set(records.WITHHELD) <= real
    assert len(Base.metadata.tables) > 10  # the metadata was loaded


async def _rich_maria(speaker, district):
    """Maria with records of many kinds: a mentoring profile, intro opt-ins, a do-not-pair entry, a
    join request waiting; and others' records that name her (Jordan avoids her)."""
    maria = speaker("maria.lopez")
    await maria.say("groups join new-teachers --yes")
    await maria.say("groups join staff-voices --yes")  # approval: a request to its facilitator
    await maria.say("intros on new-teachers")
    assert not (await maria.say("intros avoid tom.becker@district.example")).refused
    await maria.say("mentor join mentee")
    from bot.mentoring.handlers import PROFILE_FORM

    await maria.submit(PROFILE_FORM, {"site": "Lincoln Elementary", "languages": ("en", "es"), "theme_policy_reform": "1"}, context="mentee")
    jordan = speaker("jordan.reyes")
    await jordan.say("groups info lgbtq-educators")
    assert not (await jordan.say("intros avoid maria.lopez@district.example")).refused
    return maria


async def test_privacy_lists_every_kind_of_record_with_the_details(speaker, district):
    maria = await _rich_maria(speaker, district)
    reply = await maria.say("privacy")
    t = Translator("en")
    for kind in records.KINDS:
        assert record_label(t, kind.name) in reply.text, kind.name
    assert "Your mentoring profile: As a mentee (in the pool); site Lincoln Elementary; languages en, es; growth themes policy reform 1" in reply.text
    assert "Peer intros you opted in to: New Teachers Circle" in reply.text
    assert "Your do-not-pair list for peer intros: Tom Becker" in reply.text
    # Jordan's list names Maria, but it is his: not shown to her, not even counted.
    assert "Jordan" not in reply.text
    spanish = await speaker("luis.hernandez").say("settings language es")
    assert not spanish.refused
    es = await speaker("luis.hernandez").say("privacy")
    assert "Tu perfil de mentoría" in es.text


async def test_privacy_export_gives_ones_own_records_as_a_file(speaker, district):
    maria = await _rich_maria(speaker, district)
    reply = await maria.say("privacy export")
    assert not reply.refused and reply.file is not None and reply.file.filename.endswith(".json")
    data = json.loads(reply.file.content)
    kept = data["records"]
    assert set(kept) == {k.name for k in records.KINDS}
    assert kept["profile"][0]["email"] == "maria.lopez@district.example" and kept["profile"][0]["supervisor"] == "Marcus Green"
    assert kept["mentoring_profile"][0]["languages"] == ["en", "es"] and kept["mentoring_profile"][0]["site"] == "Lincoln Elementary"
    assert kept["do_not_pair"] == [{"id": kept["do_not_pair"][0]["id"], "person_id": kept["profile"][0]["id"], "avoid": "Tom Becker"}]
    assert len(kept["intro_opt_ins"]) == 1 and len(kept["memberships"]) == 2
    # The join request to Staff Voices' facilitator is about her: its kind and state, not its text.
    assert [m["kind"] for m in kept["messages_about_you"]] == ["join_request"]
    assert set(kept["messages_about_you"][0]) == {"kind", "state", "created_at", "sent_at"}
    async with district.sessions() as s:
        others = [(n, e) for n, e in (await s.execute(select(Person.name, Person.email).where(Person.email != "maria.lopez@district.example"))).all()]

    text = reply.file.content.decode("utf-8")
    allowed = {"Tom Becker", "Marcus Green"}  # her own list, her own supervisor
    leaked = [name for name, email in others if name not in allowed and (name in text or (email and email in text))]
    assert leaked == [], leaked
    # Through the console, the file is written and its path shown.
    out = await maria.console_lines("privacy export")
    path = out.strip().splitlines()[-1].removeprefix("→ ").strip()
    with open(path, encoding="utf-8") as handle:
        assert json.load(handle)["records"]["profile"][0]["email"] == "maria.lopez@district.example"
    import os
    import stat

    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

