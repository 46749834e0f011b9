"""The DEI office's reports: counts only, small cells hidden, a real PNG chart, role-checked."""

from __future__ import annotations

import io

from PIL import Image as PILImage


async def test_membership_report_hides_small_groups_and_draws_a_chart(speaker):
    dana = speaker("dana.whitfield")
    reply = await dana.say("report membership")
    assert not reply.refused
    lines = {f.label: f.value for f in reply.card.fields}
    assert "fewer than 5" in lines["Parents on Staff"]  # 3 members
    assert lines["Educators of Color"].endswith(": 9")
    assert "Alex Morgan" not in reply.text
    picture = PILImage.open(io.BytesIO(reply.card.image.png))
    assert picture.format == "PNG" and picture.size[0] >= 600
    assert reply.card.image.alt in reply.text


async def test_retention_report_compares_groups_with_all_staff(speaker):
    reply = await speaker("dana.whitfield").say("report retention")
    lines = {f.label: f.value for f in reply.card.fields}
    assert lines["All staff"].endswith("people")
    assert lines["Veteran Educators"] == "fewer than 5"


async def test_reports_need_the_dei_office(speaker):
    for who in ("maria.lopez", "jordan.reyes"):
        reply = await speaker(who).say("report membership")
        assert reply.refused and "DEI office" in reply.text
    assert (await speaker("dana.whitfield").say("report everything")).refused
