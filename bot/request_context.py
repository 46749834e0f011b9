"""The request being answered, for log lines: a random id, the platform and the command word.

Set by the core for the length of one request (contextvars follow it through every await), read
by the JSON log format (operations/logs.py). Nothing here names a person or holds what they wrote:
the command word is one from the command table or "other" (bot.metrics.bounded).
"""

from __future__ import annotations

import contextvars
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    platform: str
    command: str


CURRENT: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("affinity_request", default=None)


def begin(platform: str, command: str) -> contextvars.Token:
    return CURRENT.set(RequestContext(secrets.token_hex(8), platform, command))


def end(token: contextvars.Token) -> None:
    CURRENT.reset(token)


def current() -> RequestContext | None:
    return CURRENT.get()


__all__ = ["RequestContext", "begin", "current", "end"]
