"""`AFFINITY_LOG_FORMAT=json`: one JSON object per log line, for a district's log collector.

Each line has `timestamp` (UTC, ISO 8601), `level`, `logger`, `event` (the message), and while a
request is being answered its `request_id`, `platform` and `command` (bot/request_context.py);
`duration_ms` and `outcome` where the line gives them. The privacy rules are those of the text
logs, which these lines only reformat: our messages never hold what a person wrote or who they
are, and an exception is given by its type alone (`error`) — never its message or traceback,
which can quote a statement's values or a person's words.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import TextIO

from bot.request_context import current

#: Extra fields a log call may give (`extra={...}`) that are copied onto the line.
EXTRA_FIELDS = ("duration_ms", "outcome", "job", "platform_state")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        request = current()
        if request is not None:
            line.update(request_id=request.request_id, platform=request.platform, command=request.command)
        for name in EXTRA_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(log_format: str, stream: TextIO | None = None) -> logging.Handler | None:
    """With `json`, every log line at INFO and above goes to `stream` (stderr) as JSON; with
    `text`, logging is left as it always was (warnings and errors, as plain lines)."""
    if log_format != "json":
        return None
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # Libraries' chatter at INFO (each HTTP call, each scheduler run) says nothing an operator needs.
    for noisy in ("aiohttp.access", "apscheduler", "botbuilder", "msrest", "slack_bolt", "slack_sdk", "urllib3", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from storage.engine import quiet_driver_logs

    quiet_driver_logs()
    return handler


__all__ = ["JsonFormatter", "configure"]
