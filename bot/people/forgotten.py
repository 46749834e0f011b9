"""Forgotten stays forgotten (SPEC §4.7): after forget-me, no import or provisioning brings the
person back until they talk to the bot again and confirm.

All that is kept is an HMAC-SHA256 of the normalised e-mail (trimmed, case-folded), keyed with a
secret generated once per installation and kept in its database. The digest lets an import ask
"is this row someone who asked to be forgotten?" without the database holding the e-mail, and
the key keeps the digest from being matched against any list of e-mails made elsewhere.

Every way a person can be provisioned asks here, through `keep_out` (many rows) or
`is_forgotten` (one person). The digest goes only when the person, talking to the bot again,
confirms they want to be known (`known_again`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ForgottenEmail, InstallationSecret
from storage.upsert import add_missing

SECRET_NAME = "forget_me"


def normalised(email: str) -> str:
    return email.strip().casefold()


def digest(key: bytes, email: str) -> str:
    return hmac.new(key, normalised(email).encode("utf-8"), hashlib.sha256).hexdigest()


async def _key(session: AsyncSession, create: bool) -> bytes | None:
    """The installation's key; made on first use when `create` (two processes making it at once
    agree: the first one written is kept and both read it back)."""
    statement = select(InstallationSecret.value).where(InstallationSecret.name == SECRET_NAME)
    value = (await session.execute(statement)).scalar_one_or_none()
    if value is None and create:
        await add_missing(session, InstallationSecret, ("name",), [{"name": SECRET_NAME, "value": secrets.token_hex(32)}])
        value = (await session.execute(statement)).scalar_one()
    return bytes.fromhex(value) if value is not None else None


async def remember(session: AsyncSession, email: str | None) -> None:
    """Called by forget-me: keep the e-mail's keyed hash, so later imports leave them out."""
    if not email or not normalised(email):
        return
    key = await _key(session, create=True)
    assert key is not None
    await add_missing(session, ForgottenEmail, ("digest",), [{"digest": digest(key, email)}])


async def keep_out(session: AsyncSession) -> Callable[[str], bool]:
    """For an import or any provisioning of many people: a test, `forgotten(email)`, answered in
    memory. Nothing is read beyond the digests, and nothing is written."""
    digests = set((await session.execute(select(ForgottenEmail.digest))).scalars())
    if not digests:
        return lambda email: False
    key = await _key(session, create=False)
    if key is None:  # digests without a key cannot match anything
        return lambda email: False
    return lambda email: digest(key, email) in digests


async def is_forgotten(session: AsyncSession, email: str | None) -> bool:
    """For one person: whether `email` belongs to someone who asked to be forgotten."""
    if not email:
        return False
    key = await _key(session, create=False)  # none until the first forget-me
    if key is None:
        return False
    found = await session.execute(select(ForgottenEmail.digest).where(ForgottenEmail.digest == digest(key, email)))
    return found.first() is not None


async def any_forgotten(session: AsyncSession, emails: Iterable[str | None]) -> bool:
    """For one person known by several addresses (SCIM's userName and work e-mail): whether any
    belongs to someone who asked to be forgotten; one read of the key, one of the digests."""
    wanted = {normalised(e) for e in emails if e and normalised(e)}
    if not wanted:
        return False
    key = await _key(session, create=False)  # none until the first forget-me
    if key is None:
        return False
    found = await session.execute(select(ForgottenEmail.digest).where(ForgottenEmail.digest.in_([digest(key, e) for e in sorted(wanted)])))
    return found.first() is not None


async def known_again(session: AsyncSession, email: str) -> None:
    """The person confirmed they want to be known again: imports include them from now on."""
    key = await _key(session, create=False)
    if key is not None:
        await session.execute(delete(ForgottenEmail).where(ForgottenEmail.digest == digest(key, email)))
