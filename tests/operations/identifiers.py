"""Every identifier of every person (and group) in a test database, to search what the bot exposes for them."""

from __future__ import annotations

from sqlalchemy import text


async def identifiers(runtime) -> list[str]:
    """Names, e-mails, e-mail local parts and platform user ids of everyone, and each group's
    slug and name: none of them may appear in metrics or logs."""
    found: set[str] = set()
    async with runtime.engine.connect() as conn:
        for name, email in (await conn.execute(text("SELECT name, email FROM person"))).all():
            if name:
                found.add(name)
            if email:
                found.add(email)
                found.add(email.split("@")[0])
        for (user_id,) in (await conn.execute(text("SELECT user_id FROM platform_link"))).all():
            found.add(user_id)
        for slug, name in (await conn.execute(text("SELECT slug, name FROM affinity_group"))).all():
            found.update((slug, name))
    # Words too short or too common to mean anyone (a one-letter name part) would only make noise.
    return sorted(f for f in found if len(f) >= 4)
