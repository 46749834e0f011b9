"""Every number a person types is read by one bounded reader: a sentence for anything too long."""

from __future__ import annotations

import pytest

from bot.parsing import MAX_NUMBER, read_number
from tests.support.dump import dump_rows

TOO_BIG = "99999999999999999999"
NOT_ASCII = ["²", "١٢", "１２", "-1", "1.5", "#", "##1", ""]

LINES = [
    "announce send {n}", "announce cancel {n}",
    "mentor accept {n}", "mentor decline {n}", "mentor end {n}",
    "intros met {n} yes", "intros snooze {n}",
    "rsvp {n} yes", "meeting cancel {n}", "meeting cancel {n} 2026-12-01",
]


def test_the_reader_takes_plain_numbers_with_an_optional_hash_and_nothing_longer():
    assert read_number("12") == 12 and read_number("#12") == 12 and read_number("0") == 0
    assert read_number(str(MAX_NUMBER)) == MAX_NUMBER
    assert read_number(str(MAX_NUMBER + 1)) is None and read_number(TOO_BIG) is None
    assert read_number("5", most=4) is None
    for word in NOT_ASCII:
        assert read_number(word) is None, word


@pytest.mark.parametrize("line", LINES)
async def test_a_huge_or_foreign_number_gets_a_sentence_and_changes_nothing(line, district, speaker):
    # The admin passes every role check, so the number reaches whatever reads it.
    sam = speaker("sam.okafor")
    await sam.say("help")
    before = await dump_rows(district)
    for n in [TOO_BIG, str(MAX_NUMBER + 1), *NOT_ASCII[:3]]:
        reply = await sam.say(line.format(n=n))
        assert reply.refused, (line, n, reply.text)
        assert "Something went wrong" not in reply.text, (line, n)
    assert await dump_rows(district) == before
