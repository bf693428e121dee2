from __future__ import annotations

import pytest

from tradetrack.config import ConfigError, Settings


def test_defaults_describe_a_local_setup() -> None:
    # Given an empty environment / When settings are read
    settings = Settings.from_env({})
    # Then every value has a usable default
    assert settings.stage == "local"
    assert settings.mongodb_uri.startswith("mongodb://")
    assert settings.max_body_bytes == 1_048_576
    assert settings.cors_allow_origins == ("*",)


def test_cors_origins_are_read_as_a_comma_separated_list() -> None:
    settings = Settings.from_env(
        {"CORS_ALLOW_ORIGINS": "https://app.tradetrack.in, https://beta.tradetrack.in,"}
    )
    assert settings.cors_allow_origins == ("https://app.tradetrack.in", "https://beta.tradetrack.in")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MONGODB_URI": "postgres://x"}, "MONGODB_URI"),
        ({"REDIS_URL": "http://cache"}, "REDIS_URL"),
        ({"DEPENDENCY_TIMEOUT_MS": "soon"}, "DEPENDENCY_TIMEOUT_MS"),
        ({"STAGE": "Prod Stage"}, "STAGE"),
    ],
)
def test_a_bad_variable_fails_cold_start_naming_it(env: dict[str, str], named: str) -> None:
    # Given a broken environment / When settings are read / Then the error names the variable
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)
