"""Privileged grants name a person by e-mail only (issue 12, item 6), on both backends."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.people.grants import grant, revoke
from storage.models import AuditEntry, RoleGrant


async def _count(s, model) -> int:
    return int((await s.execute(select(func.count()).select_from(model))).scalar())


async def test_a_grant_by_a_loose_name_is_refused_and_says_nothing_of_who_exists(district):
    now, today = district.now(), district.now().date()
    async with district.sessions() as s:
        grants, audits = await _count(s, RoleGrant), await _count(s, AuditEntry)
        answers = {}
        # "maria" is one person, "Carter" two (Emily and Jamal), "Quentin" nobody.
        for who in ("maria", "Carter", "Quentin", "Maria Lopez", "@maria"):
            outcome = await grant(s, who, "admin", None, now, today)
            assert not outcome.ok and "only by e-mail" in outcome.message
            answers[who] = outcome.message.replace(f"“{who}”", "“…”")
        assert len(set(answers.values())) == 1, answers  # the same sentence, whoever the words name
        assert "Maria" not in answers["maria"] and "Emily" not in answers["Carter"] and "Jamal" not in answers["Carter"]
        revoked = await revoke(s, "Marcus", "facilitator", "black-administrators", now)
        assert not revoked.ok and "only by e-mail" in revoked.message
        unknown = await grant(s, "nobody@district.example", "admin", None, now, today)
        assert not unknown.ok and "nobody with the e-mail nobody@district.example" in unknown.message
        assert (await _count(s, RoleGrant), await _count(s, AuditEntry)) == (grants, audits)
        done = await grant(s, "Maria.Lopez@district.example", "admin", None, now, today)
        assert done.ok and "Maria Lopez now has the admin role" in done.message
        done = await revoke(s, "<maria.lopez@district.example>", "admin", None, now)
        assert done.ok and "no longer has the admin role" in done.message
