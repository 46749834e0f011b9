"""SPEC §8 for provisioning: generated SCIM requests never get a 5xx, and refusals write nothing."""

from tests.support import fuzz
from tests.support.fuzz_scim import PATHS


def test_generated_scim_requests_are_answered_and_refusals_write_nothing():
    result = fuzz.run(PATHS[0], examples=150)
    assert result.examples >= 150
