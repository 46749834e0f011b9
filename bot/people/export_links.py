"""`privacy export` where the bot cannot hand over a file (Teams): a short-lived signed link.

The link is `AFFINITY_PUBLIC_URL` + `/privacy/export/<token>`, served by `serve` itself
(operations/endpoints.py `add_export_downloads`). The token
is a Fernet token (AES-128-CBC, then HMAC-SHA256 over the whole, with its issue time): it carries
the person's id *encrypted*, so nothing about the person can be read from the URL, and its
signature and time are checked before anything is read. The key is derived from a secret made
once per installation and kept in its database (`installation_secret`, name `export_links`), so
every replica honours a link another made, and a link works for `LINK_MINUTES` after it was made,
then never again. The records are read when the link is opened, so they are current; a person
forgotten meanwhile gets nothing. The link is shown only in a Teams dialog (Reply.dialog), never
posted to a chat.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InstallationSecret
from storage.upsert import add_missing

SECRET_NAME = "export_links"
#: How long a link works after it was made.
LINK_MINUTES = 10
#: Where `serve` answers a link.
PATH = "/privacy/export/"
#: A token is about 100 characters; anything much longer is not one.
TOKEN_LIMIT = 400


async def _fernet(session: AsyncSession) -> Fernet:
    statement = select(InstallationSecret.value).where(InstallationSecret.name == SECRET_NAME)
    value = (await session.execute(statement)).scalar_one_or_none()
    if value is None:
        # Two processes making it at once agree: the first one written is kept, both read it back.
        await add_missing(session, InstallationSecret, ("name",), [{"name": SECRET_NAME, "value": secrets.token_hex(32)}])
        value = (await session.execute(statement)).scalar_one()
    key = hmac.new(bytes.fromhex(value), b"affinity privacy export link", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


async def issue(session: AsyncSession, person_id: int, now: datetime) -> str:
    """A token for `person_id`'s export, good for LINK_MINUTES from `now`."""
    return (await _fernet(session)).encrypt_at_time(str(person_id).encode("ascii"), int(now.timestamp())).decode("ascii")


async def redeem(session: AsyncSession, token: str, now: datetime) -> int | None:
    """The person id a token was made for, if it is genuine and not expired; else None."""
    if not token or len(token) > TOKEN_LIMIT:
        return None
    try:
        found = (await _fernet(session)).decrypt_at_time(token.encode("ascii"), LINK_MINUTES * 60, int(now.timestamp()))
    except (InvalidToken, UnicodeEncodeError, ValueError):
        return None
    text = found.decode("ascii", "replace")
    return int(text) if text.isdigit() else None


def link(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + PATH + token
