"""The installed `affinity-bot` command, run as a district admin would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("affinity-bot")


def run(args: list[str], cwd: Path, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "AFFINITY_", "SLACK_", "MICROSOFT_"))}
    environment.update(env or {})
    return subprocess.run([str(BIN), *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120, env=environment)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("district")


def test_demo_piped_session_shows_each_effect_and_keeps_state(workdir):
    script = "groups\ngroups info lgbtq-educators\ngroups join lgbtq-educators\nyes\ngroups mine\ngroups leave lgbtq-educators\n"
    first = run(["demo"], workdir, script)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Loaded the sample district" in out
    assert "Affinity groups you can join" in out and "fewer than 5" in out
    assert "Facilitators: Jordan Reyes" in out
    assert "Who will know you are a member" in out
    assert "Welcome to LGBTQ+ Educators" in out
    assert "LGBTQ+ Educators: member" in out
    assert "You have left LGBTQ+ Educators" in out
    assert (workdir / "affinity.db").exists()
    # A second run, as the same person through `chat`, sees what the first left behind.
    second = run(["chat", "--as", "Maria Lopez"], workdir, "groups join new-teachers --yes\n")
    assert "Welcome to New Teachers Circle" in second.stdout, second.stderr
    third = run(["chat", "--as", "maria.lopez@district.example"], workdir, "groups mine\n")
    assert "New Teachers Circle: member" in third.stdout and "LGBTQ+" not in third.stdout
    again = run(["demo"], workdir, "")
    assert "already loaded" in again.stdout


def test_chat_with_a_role_and_numbered_choices(workdir):
    run(["demo"], workdir, "")
    result = run(["chat", "--as", "Sam Okafor"], workdir, "groups members lgbtq\n")
    assert "Members of LGBTQ+ Educators" in result.stdout  # Sam is the demo's admin
    result = run(["chat", "--as", "newcomer@district.example", "--role", "facilitator:veteran-educators"], workdir, "groups members veteran\n")
    assert "now has the facilitator role of Veteran Educators" in result.stdout
    assert "Members of Veteran Educators" in result.stdout
    result = run(["chat", "--as", "Zoe Thompson"], workdir, "groups info veteran-educators\n1\n1\n")
    assert "Welcome to Veteran Educators" in result.stdout


def test_imports_and_roles_from_the_command_line(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("email,name,role,site\nlee@district.example,Lee Admin,it,Central\nkai@district.example,Kai,teacher,North\n")
    groups = tmp_path / "groups.yml"
    groups.write_text("groups:\n  - slug: readers\n    name: Readers\n    facilitators: [kai@district.example]\n")
    assert run(["import", "roster", str(roster)], tmp_path).stdout.startswith("Imported")
    assert "1 new" in run(["import", "groups", str(groups)], tmp_path).stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("email,name\nnope,\n")
    result = run(["import", "roster", str(bad)], tmp_path)
    assert result.returncode == 1
    assert "bad.csv, row 2, field 'email'" in result.stderr and "Nothing was imported" in result.stderr
    result = run(["roles", "grant", "Lee", "admin"], tmp_path)
    assert result.returncode == 1 and "only by e-mail" in result.stderr and "Lee Admin" not in result.stderr
    result = run(["roles", "grant", "lee@district.example", "admin"], tmp_path)
    assert "Lee Admin now has the admin role" in result.stdout
    result = run(["roles", "grant", "lee@district.example", "facilitator"], tmp_path)
    assert result.returncode == 1 and "needs a group" in result.stderr
    assert "admin" in run(["roles", "list"], tmp_path).stdout


def test_malformed_settings_stop_startup_with_one_sentence(tmp_path):
    result = run(["chat"], tmp_path, "", env={"AFFINITY_TIMEZONE": "Mars/Olympus"})
    assert result.returncode == 2
    assert result.stderr.strip() == "affinity-bot: AFFINITY_TIMEZONE must be an IANA time zone such as America/Chicago, not 'Mars/Olympus'."
    result = run(["chat"], tmp_path, "", env={"DATABASE_URL": "mysql://x"})
    assert result.returncode == 2 and "DATABASE_URL must start with" in result.stderr
    config = tmp_path / "bad.yml"
    config.write_text("k: 2\n")
    result = run(["chat"], tmp_path, "", env={"AFFINITY_CONFIG": str(config)})
    assert result.returncode == 2 and "k must be at least 3" in result.stderr


def test_chat_reads_a_script_file_and_no_input_at_all(workdir, tmp_path):
    # `chat < script.txt` and a run with no input (as under CI or cron) cannot be watched by the
    # event loop like a pipe; both must still work and end.
    run(["demo"], workdir, "")
    script = tmp_path / "script.txt"
    script.write_text("groups info veteran-educators\n", encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "AFFINITY_", "SLACK_", "MICROSOFT_"))}
    with script.open() as source:
        from_file = subprocess.run([str(BIN), "chat", "--as", "Zoe Thompson"], cwd=workdir, stdin=source, capture_output=True, text=True, timeout=120, env=environment)
    assert from_file.returncode == 0, from_file.stderr
    assert "Veteran Educators (veteran-educators)" in from_file.stdout
    nothing = subprocess.run([str(BIN), "demo"], cwd=workdir, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, env=environment)
    assert nothing.returncode == 0 and "already loaded" in nothing.stdout, nothing.stderr
    assert "Traceback" not in nothing.stderr


def test_match_dry_run_from_the_command_line(tmp_path):
    assert run(["demo"], tmp_path, "").returncode == 0
    result = run(["match", "--dry-run"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Matching (dry run)" in result.stdout and "score" in result.stdout and "Nothing was sent" in result.stdout
    # A dry run offers nothing: no mentor offers are waiting in the outbox.
    status = run(["outbox", "status"], tmp_path)
    assert "mentor_offer" not in status.stdout, status.stdout
