"""AFFINITY_SCIM_TOKEN and the `provisioning` mapping in AFFINITY_CONFIG."""

import pytest

from bot.config import ConfigError, Settings, district_from_mapping


def test_several_tokens_comma_separated_and_short_ones_refused():
    settings = Settings.from_env({"AFFINITY_SCIM_TOKEN": "a" * 32 + " , " + "b" * 40})
    assert settings.scim_tokens == ("a" * 32, "b" * 40)
    assert Settings.from_env({}).scim_tokens == ()
    with pytest.raises(ConfigError, match="AFFINITY_SCIM_TOKEN"):
        Settings.from_env({"AFFINITY_SCIM_TOKEN": "short"})


def test_the_mapping_is_configurable_and_checked():
    district = district_from_mapping({"provisioning": {"site": ["locality", "department"], "start_date": "hireDate"}})
    assert district.provisioning_site == ("locality", "department") and district.provisioning_start_date == "hireDate"
    assert district_from_mapping({"provisioning": {"start_date": None}}).provisioning_start_date is None
    with pytest.raises(ConfigError, match="provisioning.site"):
        district_from_mapping({"provisioning": {"site": ["costCenter"]}})
    with pytest.raises(ConfigError, match="provisioning.colour"):
        district_from_mapping({"provisioning": {"colour": "red"}})
