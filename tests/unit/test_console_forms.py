"""Forms typed at the console speak only the person's language (issue 12, item 8)."""

from __future__ import annotations


async def test_the_console_adds_no_english_words_to_a_form(speaker, district):
    """The concern form asked "Dónde (opcional) (optional, Enter to skip)": the console added
    English to every optional field, in every language."""
    luis = speaker("luis.hernandez")  # reads Spanish
    out = await luis.console_lines("concern", "1", "", "Algo pasó en la reunión.")
    assert "Dónde (opcional) [↵]:" in out
    assert "optional" not in out and "Enter to skip" not in out
