"""Mentoring through the core: one's own profile, the DEI office's matching, offers, introductions."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from bot import registry
from bot.config import ConfigError, district_from_mapping
from bot.mentoring.handlers import PROFILE_FORM
from storage.models import AuditEntry, Group, IntroOptIn, MentorMatch, MentorProfile, OutboxItem, Person
from tests.support.dump import dump_rows


async def _without_the_demo_pool(district) -> None:
    """The sample district comes with mentoring profiles and intro opt-ins; these tests build their own."""
    async with district.sessions() as s:
        await s.execute(delete(MentorProfile))
        await s.execute(delete(IntroOptIn))
        await s.commit()


async def _ids(district, *emails: str) -> list[int]:
    async with district.sessions() as s:
        rows = dict((await s.execute(select(Person.email, Person.id).where(Person.email.in_([f"{e}@district.example" for e in emails])))).all())
    return [rows[f"{e}@district.example"] for e in emails]


async def _group(district, slug: str) -> int:
    async with district.sessions() as s:
        return (await s.execute(select(Group.id).where(Group.slug == slug))).scalar_one()


async def _join(speaker, who: str, role: str, **values):
    person = speaker(who)
    opened = await person.say(f"mentor join {role}")
    assert opened.card is not None and opened.card.form is not None and opened.card.form.form_id == PROFILE_FORM
    return await person.submit(PROFILE_FORM, values, context=role)


async def _run_job(district) -> int:
    async with district.sessions() as s:
        queued = await registry.jobs()["mentoring.lifecycle"](s, district.settings, district.now())
        await s.commit()
    return queued


async def _outbox(district, kind: str) -> list[OutboxItem]:
    async with district.sessions() as s:
        return list((await s.execute(select(OutboxItem).where(OutboxItem.kind == kind).order_by(OutboxItem.id))).scalars())


async def _pool(district, speaker):
    bilingual = await _group(district, "bilingual-staff")
    # Luis (new teacher at Lincoln, in Bilingual Staff) and Maria (new teacher at Lincoln) want mentors.
    assert not (await _join(speaker, "luis.hernandez", "mentee", site="Lincoln Elementary", job_role="teacher", subjects="Math",
                            languages=("en", "es"), match_groups=(str(bilingual),), theme_policy_reform="1")).refused
    assert not (await _join(speaker, "maria.lopez", "mentee", site="Lincoln Elementary", job_role="teacher", subjects="ela", languages=("en",))).refused
    # Gabriel shares Luis's group, language and subject; Mei shares Maria's site; Marcus supervises both.
    assert not (await _join(speaker, "gabriel.silva", "mentor", site="Jefferson High", job_role="teacher", subjects="math",
                            languages=("en", "es"), match_groups=(str(bilingual),), theme_policy_reform="3", capacity="1")).refused
    assert not (await _join(speaker, "mei.chen", "mentor", site="Lincoln Elementary", job_role="teacher", subjects="art", languages=("en",), capacity="1")).refused
    assert not (await _join(speaker, "marcus.green", "mentor", site="Lincoln Elementary", job_role="teacher", subjects="ela", languages=("en",), capacity="2")).refused


async def test_a_profile_is_saved_only_with_the_groups_the_person_belongs_to(speaker, district):
    await _without_the_demo_pool(district)
    lgbtq = await _group(district, "lgbtq-educators")
    refused = await _join(speaker, "priya.shah", "mentee", match_groups=(str(lgbtq),))
    assert refused.refused and "belong" in refused.text
    refused = await _join(speaker, "priya.shah", "mentee", theme_policy_reform="4")
    assert refused.refused
    refused = await _join(speaker, "priya.shah", "mentee", job_role="x" * 201)
    assert refused.refused and "201" in refused.text
    refused = await _join(speaker, "gabriel.silva", "mentor", capacity="6")
    assert refused.refused
    async with district.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(MentorProfile))).scalar() == 0
    bilingual = await _group(district, "new-teachers")
    saved = await _join(speaker, "priya.shah", "mentee", languages="en, es", match_groups=(str(bilingual),), theme_data_driven_planning="2")
    assert not saved.refused
    async with district.sessions() as s:
        profile = (await s.execute(select(MentorProfile))).scalar_one()
        assert (profile.role, profile.state, profile.languages, profile.match_groups, profile.themes) == ("mentee", "active", ["en", "es"], [bilingual], {"data_driven_planning": 2})
    status = await speaker("priya.shah").say("mentor status")
    assert "in the pool" in status.text
    assert "paused" in (await speaker("priya.shah").say("mentor pause")).text.lower()
    assert (await speaker("priya.shah").say("mentor pause")).refused
    await speaker("priya.shah").say("mentor leave")
    assert (await speaker("priya.shah").say("mentor status")).refused


async def test_the_dry_run_shows_pairs_with_reasons_and_sends_nothing(speaker, district):
    await _without_the_demo_pool(district)
    await _pool(district, speaker)
    assert (await speaker("maria.lopez").say("mentor match --dry-run")).refused
    reply = await speaker("dana.whitfield").say("mentor match --dry-run")
    assert not reply.refused
    text = reply.text
    assert "Luis Hernandez ← Gabriel Silva" in text and "Maria Lopez ← Mei Chen" in text
    assert "both Spanish" in text and "theme: policy reform 1→3" in text
    assert "policy reform 1→3" in text and "same site" in text
    # A shared group is neither named nor mentioned to the DEI office, who sees no memberships.
    assert "affinity group" not in text
    assert "Bilingual" not in text
    # Marcus supervises both mentees, so he is never proposed.
    assert "Marcus Green" not in text
    assert await _outbox(district, "mentor_offer") == []
    async with district.sessions() as s:
        audit = (await s.execute(select(AuditEntry).where(AuditEntry.action == "mentor_match"))).scalar_one()
        assert audit.detail == "dry_run=1 pairs=2 unmatched=0" and audit.subject_id is None


async def test_the_dry_run_speaks_the_readers_language(speaker, district):
    await _without_the_demo_pool(district)
    await _pool(district, speaker)
    await speaker("dana.whitfield").say("settings language es")
    reply = await speaker("dana.whitfield").say("mentor match --dry-run")
    assert "ambas personas hablan español" in reply.text and "mismo plantel" in reply.text


async def test_offers_acceptance_introduction_and_check_in(speaker, district, clock):
    await _without_the_demo_pool(district)
    await _pool(district, speaker)
    luis, gabriel, maria, mei = await _ids(district, "luis.hernandez", "gabriel.silva", "maria.lopez", "mei.chen")
    sent = await speaker("dana.whitfield").say("mentor match")
    assert not sent.refused
    offers = await _outbox(district, "mentor_offer")
    assert sorted(o.person_id for o in offers) == sorted([luis, gabriel, maria, mei])
    async with district.sessions() as s:
        match = (await s.execute(select(MentorMatch).where(MentorMatch.mentee_id == luis))).scalar_one()
    assert match.mentor_id == gabriel and match.state == "proposed"
    # Someone else cannot answer it, and the reply does not say whether it exists.
    assert (await speaker("maria.lopez").say(f"mentor accept {match.id}")).refused
    assert not (await speaker("luis.hernandez").say(f"mentor accept {match.id}")).refused
    async with district.sessions() as s:
        assert (await s.get(MentorMatch, match.id)).state == "proposed"  # waiting for the mentor
    assert not (await speaker("gabriel.silva").say(f"mentor accept {match.id}")).refused
    assert await _run_job(district) >= 1
    intros = await _outbox(district, "mentor_intro")
    assert [sorted(i.people) for i in intros] == [sorted([luis, gabriel])]
    assert "Luis" not in repr(intros[0].payload) and "Gabriel" not in repr(intros[0].payload)
    assert await _run_job(district) == 0  # once
    clock.advance(days=31)
    await _run_job(district)
    checkins = await _outbox(district, "mentor_checkin")
    assert sorted(c.person_id for c in checkins) == sorted([luis, gabriel])
    ended = await speaker("luis.hernandez").say(f"mentor end {match.id}")
    assert not ended.refused
    # An ended pair is never proposed again.
    await _join(speaker, "luis.hernandez", "mentee", languages=("en", "es"))
    again = await speaker("dana.whitfield").say("mentor match --dry-run")
    assert "Luis Hernandez ← Gabriel Silva" not in again.text


async def test_a_lapsed_or_declined_offer_goes_to_the_next_best_mentor(speaker, district, clock):
    await _without_the_demo_pool(district)
    await _pool(district, speaker)
    maria, mei, gabriel, luis = await _ids(district, "maria.lopez", "mei.chen", "gabriel.silva", "luis.hernandez")
    await speaker("dana.whitfield").say("mentor match")
    async with district.sessions() as s:
        first = (await s.execute(select(MentorMatch).where(MentorMatch.mentee_id == luis))).scalar_one()
    assert not (await speaker("luis.hernandez").say(f"mentor decline {first.id}")).refused
    assert (await speaker("gabriel.silva").say(f"mentor accept {first.id}")).refused  # already declined
    # Mei's offer to Maria lapses after three days; Maria and Luis are offered whoever is free.
    clock.advance(days=3, minutes=1)
    await _run_job(district)
    async with district.sessions() as s:
        rows = (await s.execute(select(MentorMatch.mentee_id, MentorMatch.mentor_id, MentorMatch.state).order_by(MentorMatch.id))).all()
    states = {(mentee, mentor): state for mentee, mentor, state in rows}
    assert states[(luis, gabriel)] == "declined" and states[(maria, mei)] == "expired"
    # Past pairs are excluded and Marcus supervises both, so only Luis–Mei and Maria–Gabriel remain.
    assert states.get((luis, mei)) == "proposed" and states.get((maria, gabriel)) == "proposed"
    (marcus,) = await _ids(district, "marcus.green")
    assert all(mentor != marcus for _, mentor, _ in rows)
    before = len(rows)
    await _run_job(district)
    async with district.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(MentorMatch))).scalar() == before


async def test_forget_me_removes_profiles_and_matches(speaker, district):
    await _without_the_demo_pool(district)
    await _pool(district, speaker)
    await speaker("dana.whitfield").say("mentor match")
    (luis,) = await _ids(district, "luis.hernandez")
    await speaker("luis.hernandez").say("forget-me")
    assert not (await speaker("luis.hernandez").say("yes")).refused
    rows = await dump_rows(district)
    columns = ("person_id", "mentee_id", "mentor_id", "about_id")
    assert [(t, r) for t, r in rows if any(r.get(c) == luis for c in columns)] == []
    assert [r for t, r in rows if "Luis Hernandez" in repr(r)] == []


def test_weights_in_affinity_config_are_checked_at_start_up():
    assert district_from_mapping({"mentor_weights": {"same_site": 6}}).mentor_weights == {"same_site": 6}
    for bad in ({"same_sight": 1}, {"same_site": -1}, {"same_site": "high"}):
        with pytest.raises(ConfigError, match="mentor_weights"):
            district_from_mapping({"mentor_weights": bad})


async def test_the_console_asks_the_profile_questions_one_by_one(speaker, district):
    await _without_the_demo_pool(district)
    zoe = speaker("zoe.thompson")
    # site, role, subjects, grade band, languages, groups, six themes, capacity
    answers = ["1", "teacher", "ELA, art", "3", "1,2", "", "", "", "", "2", "", "", "2"]
    out = await zoe.console_lines("mentor join mentor", *answers)
    assert "Growth theme: policy reform" in out and "How many mentees at once" in out
    assert "Thank you for offering to mentor" in out
    async with district.sessions() as s:
        profile = (await s.execute(select(MentorProfile))).scalar_one()
    assert (profile.subjects, profile.grade_band, profile.languages, profile.themes, profile.capacity) == (
        ["art", "ela"], "middle", ["en", "es"], {"policy_reform": 2}, 2
    )
