"""The demo's mentoring and peer intros, piped through `affinity-bot demo` and `chat` as a coordinator would try them."""

from __future__ import annotations

from tests.e2e.test_cli import run


def test_the_demo_shows_a_dry_run_with_reasons_and_holds_an_intro_round(tmp_path):
    dana = run(["demo", "--as", "dana.whitfield@district.example"], tmp_path, "mentor match --dry-run\n")
    assert dana.returncode == 0, dana.stderr
    out = dana.stdout
    assert "Matching (dry run)" in out and "Nothing was sent" in out
    assert "Luis Hernandez ← Gabriel Silva" in out
    assert "both Spanish" in out and "theme: policy reform 1→3" in out and "same site" in out
    # Marcus supervises Luis: never proposed to him. Shared groups are never named, nor mentioned to the DEI office.
    assert "Luis Hernandez ← Marcus Green" not in out
    assert "Bilingual" not in out and "LGBTQ" not in out

    # A facilitator turns intros on; the round job runs after the line, as the scheduler would.
    jordan = run(["chat", "--as", "jordan.reyes@district.example"], tmp_path, "groups intros lgbtq-educators on weekly\ngroups intros lgbtq-educators\n")
    assert jordan.returncode == 0, jordan.stderr
    assert "Peer intros are on for LGBTQ+ Educators, every week" in jordan.stdout
    assert "Rounds held: 1" in jordan.stdout
    assert "Met / proposed: none of fewer than 5 pairs" in jordan.stdout  # nobody has said they met yet: zero is "none"

    # A member's own status, and nothing for someone who never opted in.
    hannah = run(["chat", "--as", "hannah.lee@district.example"], tmp_path, "intros\n")
    assert "every group you belong to" in hannah.stdout
    maria = run(["chat", "--as", "Maria Lopez"], tmp_path, "intros\n")
    assert "You are not in peer intros" in maria.stdout
