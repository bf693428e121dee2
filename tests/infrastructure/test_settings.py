"""Stage settings come from CDK context and refuse values that would deploy something broken."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App
from aws_cdk import aws_logs as logs

from tradetrack_infra.app_builder import environment
from tradetrack_infra.paths import DEFAULT_DEPS_LAYER_DIR
from tradetrack_infra.settings import SettingsError, StageSettings

pytestmark = pytest.mark.infrastructure


def settings(**context: Any) -> StageSettings:
    return StageSettings.from_context(App(context=context).node)


def test_defaults_describe_the_dev_stage() -> None:
    # Given no context at all
    # When the settings are read
    result = settings()

    # Then it is the dev stage with the API's documented limits and the built deps layer
    assert result.stage == "dev"
    assert (result.throttle_rate_limit, result.throttle_burst_limit) == (100, 200)
    assert result.log_retention == logs.RetentionDays.ONE_MONTH
    assert result.cors_allow_origins == ("*",)
    assert result.deps_layer_path == DEFAULT_DEPS_LAYER_DIR
    assert result.mongodb_uri_secret_arn is None
    assert result.redis_url is None


def test_prod_keeps_logs_30_days_like_every_stage_and_retains_data() -> None:
    # Given -c stage=prod
    result = settings(stage="prod")

    # Then logs are kept 30 days (#17: every stage) and stateful resources survive a stack deletion
    assert result.log_retention == logs.RetentionDays.ONE_MONTH
    assert result.is_production


def test_command_line_strings_are_parsed() -> None:
    # Given context values as `-c key=value` passes them (strings)
    result = settings(apiThrottleRateLimit="50", corsAllowOrigins="https://a.example, https://b.example")

    # Then they are read as numbers and lists
    assert result.throttle_rate_limit == 50
    assert result.cors_allow_origins == ("https://a.example", "https://b.example")


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"stage": "Prod_1"}, "stage"),
        ({"logLevel": "CHATTY"}, "logLevel"),
        ({"logRetentionDays": "45"}, "logRetentionDays"),
        ({"redisUrl": "redis://user:password@cache:6379/0"}, "without credentials"),
        ({"mongoUriSecretArn": "mongodb://user:password@host/db"}, "secret ARN"),
    ],
)
def test_bad_context_is_refused_at_synth(context: dict[str, Any], message: str) -> None:
    # Given a context value that cannot be deployed
    # When the settings are read, Then synth stops naming the problem
    with pytest.raises(SettingsError, match=message):
        settings(**context)


def test_the_region_is_mumbai_unless_context_names_another() -> None:
    # Given no context region, even when the CLI's profile defaults to another region
    bare = environment(None, {"CDK_DEFAULT_REGION": "us-east-1"})
    # Then the stack goes to ap-south-1 and the account is left open
    assert (bare.account, bare.region) == (None, "ap-south-1")

    # Given a context region and the CLI's account, Then both are used (no lookup at synth)
    given = environment("eu-west-1", {"CDK_DEFAULT_ACCOUNT": "123456789012"})
    assert (given.account, given.region) == ("123456789012", "eu-west-1")
