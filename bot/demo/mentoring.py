"""The sample district's mentoring pool and peer-intro opt-ins, as the people themselves would have given them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import IntroOptIn, MentorProfile

# first name: (role, subjects, grade band, languages, groups to be matched on, themes, capacity)
PROFILES = (
    ("luis", "mentee", ("math",), "elementary", ("en", "es"), ("bilingual-staff",), {"policy_reform": 1}, None),
    ("zoe", "mentee", ("ela",), "middle", ("en",), (), {"relationships_partnerships": 1}, None),
    ("noah", "mentee", ("science",), "high", ("en",), ("lgbtq-educators",), {"social_justice_lens": 1}, None),
    ("priya", "mentee", ("math",), "middle", ("en",), (), {"data_driven_planning": 1}, None),
    ("ana", "mentee", ("reading",), "early_childhood", ("en", "es"), (), {}, None),
    ("gabriel", "mentor", ("math",), "high", ("en", "es"), ("bilingual-staff",), {"policy_reform": 3, "political_advocacy": 2}, 2),
    ("mei", "mentor", ("science",), "elementary", ("en",), ("lgbtq-educators",), {"social_justice_lens": 3}, 1),
    ("chris", "mentor", ("ela",), "middle", ("en",), (), {"relationships_partnerships": 2, "data_driven_planning": 3}, 2),
    ("rosa", "mentor", ("reading",), "early_childhood", ("en", "es"), ("bilingual-staff",), {"advocacy_practice": 3}, 1),
    # Marcus supervises the new teachers at Lincoln, so matching never pairs him with them.
    ("marcus", "mentor", ("math",), "elementary", ("en",), (), {"policy_reform": 2}, 1),
)

#: Members of LGBTQ+ Educators who said `intros on` (every group of theirs with intros).
INTRO_OPT_INS = ("alex", "hannah", "ethan", "mei", "noah", "olivia")


async def seed_mentoring(session: AsyncSession, people: Mapping[str, int], groups: Mapping[str, int], sites: Mapping[int, str | None],
                         roles: Mapping[int, str | None], now: datetime) -> None:
    for n, (first, role, subjects, band, languages, chosen, themes, capacity) in enumerate(PROFILES):
        person_id = people[first]
        session.add(
            MentorProfile(
                person_id=person_id, role=role, state="active", site=sites[person_id], job_role=roles[person_id],
                subjects=list(subjects), grade_band=band, languages=list(languages),
                match_groups=sorted(groups[slug] for slug in chosen), themes=dict(themes), capacity=capacity,
                created_at=now - timedelta(days=20 - n),
            )
        )
    for first in INTRO_OPT_INS:
        session.add(IntroOptIn(person_id=people[first], group_id=None, created_at=now - timedelta(days=10)))
