"""The Slack libraries' log lines, kept to what happened and never what anyone wrote.

slack-bolt and slack-sdk log request bodies, API arguments and exception texts that quote them.
A concern typed into a modal must never reach a log, so every logger handed to those libraries is
this one: debug lines are dropped, and other lines keep only their opening words.
"""

from __future__ import annotations

import logging
import re

LOGGER_NAME = "affinity.slack.framework"

# The words before the first "(", ":" or line break: "Failed to run listener function",
# "Unhandled request" - what went wrong, without the quoted payload that follows.
_HEAD = re.compile(r"^[^(:\n{\[]{0,120}")


def _noise() -> frozenset[str]:
    """slack-bolt's start-up notes about its own arguments, which mean nothing to an admin: it
    reads SLACK_BOT_TOKEN from the environment itself, then says the client we give it wins."""
    from slack_bolt.logger import messages

    return frozenset({messages.warning_client_prioritized_and_token_skipped(), messages.warning_installation_store_conflicts()})


class _WithoutPayloads(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.noise = _noise()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO:
            return False
        try:
            message = str(record.msg) % record.args if record.args else str(record.msg)
        except (TypeError, ValueError):
            message = str(record.msg)
        if message in self.noise:
            return False
        head = _HEAD.match(message)
        record.msg = "slack: " + ((head.group(0).strip() if head else "") or "event")
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


def quiet_logger() -> logging.Logger:
    """The logger for slack-bolt and slack-sdk objects: INFO and up, payloads cut away.

    Its level is set explicitly because slack-sdk checks `logger.level <= DEBUG` itself before
    formatting request bodies, and an unset level (0) would pass that check.
    """
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(f, _WithoutPayloads) for f in logger.filters):
        logger.addFilter(_WithoutPayloads())
    logger.setLevel(logging.INFO)
    # The libraries' own module loggers (used where no logger can be passed in) stay above debug.
    for name in ("slack_bolt", "slack_sdk"):
        library = logging.getLogger(name)
        if library.level == logging.NOTSET or library.level < logging.INFO:
            library.setLevel(logging.INFO)
    return logger
