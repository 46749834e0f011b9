"""No membership by inference in mentoring messages (SPEC §4.8; issue 12, item 4)."""

from __future__ import annotations

from sqlalchemy import select

from tests.support.inference import check_district
from tests.unit.mentoring.test_mentoring import _group, _ids, _join, _outbox, _without_the_demo_pool


def test_mentoring_messages_say_nothing_of_memberships_their_reader_may_not_see():
    compared = sum(check_district(seed) for seed in range(120))
    assert compared > 300  # the districts did plan pairs, and their messages were compared


async def test_an_offer_does_not_tell_a_mentor_the_mentees_group(speaker, district):
    """Through the console: Luis chose to be matched on Bilingual Staff, the one group his mentor
    Gabriel is in; neither offer may say they share a group, nor may the DEI office's dry run."""
    await _without_the_demo_pool(district)
    bilingual = await _group(district, "bilingual-staff")
    assert not (await _join(speaker, "luis.hernandez", "mentee", site="Lincoln Elementary", match_groups=(str(bilingual),))).refused
    assert not (await _join(speaker, "gabriel.silva", "mentor", site="Jefferson High", match_groups=(str(bilingual),), capacity="1")).refused
    dry = await speaker("dana.whitfield").say("mentor match --dry-run")
    assert "Luis Hernandez ← Gabriel Silva (score 2)" in dry.text and "affinity group" not in dry.text
    # An admin may see every group's members: the dry run may say what the score is made of.
    admin = await speaker("sam.okafor").say("mentor match --dry-run")
    assert "Luis Hernandez ← Gabriel Silva (score 6)" in admin.text and "a shared affinity group" in admin.text
    await speaker("dana.whitfield").say("mentor match")
    offers = await _outbox(district, "mentor_offer")
    luis, gabriel = await _ids(district, "luis.hernandez", "gabriel.silva")
    assert sorted(o.person_id for o in offers) == sorted([luis, gabriel])
    for offer in offers:
        text = repr(offer.payload)
        assert "affinity group" not in text and "grupo de afinidad" not in text and "Bilingual" not in text
