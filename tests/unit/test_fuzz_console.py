"""SPEC §8 for typed lines: generated lines at the console are answered, and refused ones write nothing."""

from tests.support import fuzz
from tests.support.fuzz_console import CONSOLE_LINE


def test_generated_console_lines_are_answered_and_refusals_write_nothing():
    result = fuzz.run(CONSOLE_LINE, examples=150)
    assert result.examples >= 150
