"""AFFINITY_LOG_FORMAT=json: one JSON object per line, with the request's context, and nobody in it."""

from __future__ import annotations

import io
import json
import logging

from bot.concerns.handlers import FILE_FORM
from bot.config import ConfigError, Settings
from operations.logs import JsonFormatter, configure
from tests.operations.identifiers import identifiers

FIELDS = {"timestamp", "level", "logger", "event"}


async def test_json_lines_carry_the_request_and_name_nobody(district, speaker):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        maria, dana = speaker("maria.lopez"), speaker("dana.whitfield")
        await maria.say("help")
        await maria.say("groups join new-teachers")
        await maria.say("Maria Lopez asked about my lunch")
        filed = await maria.submit(FILE_FORM, {"category": "workload", "site": "Lincoln Elementary", "what_happened": "Maria Lopez filed this about Dana Whitfield"})
        assert not filed.refused, filed.text
        await dana.say("concerns")
        await maria.say("forget me")
        await maria.press("Yes, forget me") if maria.last and maria.last.card else None
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines, "something was logged"
    requests = [line for line in lines if line["logger"] == "affinity.requests"]
    assert len(requests) >= 6
    for line in lines:
        assert FIELDS <= set(line), line
        assert line["timestamp"].endswith("Z")
    for line in requests:
        assert {"request_id", "platform", "command", "duration_ms", "outcome"} <= set(line)
        assert line["platform"] == "console" and isinstance(line["duration_ms"], float)
    assert {line["command"] for line in requests} >= {"help", "groups", "other", "form"}
    assert len({line["request_id"] for line in requests}) == len(requests), "one id per request"
    text = stream.getvalue().lower()
    needles = await identifiers(district) + ["asked about my lunch", "filed this about"]
    assert [n for n in needles if n.lower() in text] == []


def test_an_exception_is_logged_by_its_type_alone():
    record = logging.LogRecord("affinity.core", logging.ERROR, __file__, 1, "request failed: %s", ("ValueError",), None)
    try:
        raise ValueError("maria.lopez@district.example wrote this")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line == {"timestamp": line["timestamp"], "level": "error", "logger": "affinity.core", "event": "request failed: ValueError", "error": "ValueError"}


def test_the_setting_chooses_the_format():
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"AFFINITY_LOG_FORMAT": "JSON"}).log_format == "json"
    try:
        Settings.from_env({"AFFINITY_LOG_FORMAT": "xml"})
    except ConfigError as exc:
        assert "AFFINITY_LOG_FORMAT" in str(exc)
    else:
        raise AssertionError("xml accepted")
    assert configure("text") is None
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    stream = io.StringIO()
    try:
        handler = configure("json", stream)
        logging.getLogger("affinity.test").warning("hello %s", "there")
        assert json.loads(stream.getvalue().splitlines()[-1])["event"] == "hello there"
    finally:
        root.removeHandler(handler)
        for old in before:
            root.addHandler(old)
        root.setLevel(level)
