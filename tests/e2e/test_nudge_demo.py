"""The console demo, as a facilitator: a meeting scheduled a few minutes ahead brings its reminder."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from tests.e2e.test_cli import run


def midday_zone(now: datetime) -> ZoneInfo:
    """A fixed-offset zone where it is now between noon and one: far from quiet hours (20:00–07:00)
    whenever the test runs. (The CLI keeps real time, so the zone moves instead of the clock.)"""
    hours = 12 - now.hour
    return ZoneInfo(f"Etc/GMT{-hours:+d}" if hours else "Etc/GMT")


def test_a_meeting_a_few_minutes_ahead_brings_a_reminder_in_the_console(tmp_path):
    assert run(["demo"], tmp_path, "").returncode == 0
    zone = midday_zone(datetime.now(timezone.utc))
    start = (datetime.now(zone) + timedelta(minutes=6)).replace(second=0, microsecond=0)
    script = (
        f"settings timezone {zone.key}\n"
        f"meeting add lgbtq {start:%Y-%m-%d %H:%M} Room 204 --tz {zone.key}\n"
        "meeting list\n"
        "rsvp 1 yes\n"
    )
    jordan = run(["chat", "--as", "jordan.reyes@district.example"], tmp_path, script)
    assert jordan.returncode == 0, jordan.stderr
    out = jordan.stdout
    assert "Meeting #1 scheduled for LGBTQ+ Educators" in out
    # Both reminders (a day and an hour before) came before the meeting was made, so the latest
    # goes at once: it is shown after the line that scheduled it was answered.
    assert out.count("✉ Reminder: LGBTQ+ Educators") == 1
    assert out.index("✉ Reminder") > out.index("Meeting #1 scheduled")
    reminder = out[out.index("✉ Reminder"):]
    assert f"at {start:%-I:%M %p}" in reminder and "Room 204" in reminder and "I'll be there" in reminder
    # Said once: later lines do not bring it again, and the outbox counts it as sent.
    assert run(["chat", "--as", "jordan.reyes@district.example"], tmp_path, "help\n").stdout.count("✉") == 0
    status = run(["outbox", "status"], tmp_path).stdout.splitlines()
    sent = status[0].split().index("sent")
    assert [line.split()[sent] for line in status if line.startswith("nudge ")] == ["1"]
