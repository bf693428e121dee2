"""What Powertools loads in a handler's cold start, in a fresh interpreter with Lambda's environment.

tradetrack.coldstart registers the event handler and data classes packages with their `__init__`s
unrun: a handler gets the resolver or event class it names, not every other one those `__init__`s
import.
"""

from __future__ import annotations

import json

import pytest

from functions.manifest import FUNCTIONS
from local.events.sqs import sqs_event
from tests.support.fresh_interpreter import run_fresh

POWERTOOLS_DEFERRED = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")
# What those two packages' __init__s load and no handler uses: other resolvers, other event classes.
POWERTOOLS_UNUSED = (
    "aws_lambda_powertools.event_handler.appsync",
    "aws_lambda_powertools.event_handler.bedrock_agent",
    "aws_lambda_powertools.event_handler.vpc_lattice",
    "aws_lambda_powertools.utilities.data_classes.kinesis_firehose_event",
    "aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event",
)


@pytest.mark.parametrize("function", [spec.name for spec in FUNCTIONS])
def test_in_lambda_a_cold_start_runs_no_powertools_resolver_or_event_class_init(function: str) -> None:
    # Given Lambda's environment and a fresh interpreter
    # When the handler module is imported (it builds its resolver or batch processor)
    seen = run_fresh(
        f"""
import importlib, json, sys
importlib.import_module("functions.{function}.handler")
unused = [m for m in {POWERTOOLS_UNUSED!r} if m in sys.modules]
deferred = [p for p in {POWERTOOLS_DEFERRED!r} if "__getattr__" in vars(sys.modules[p])]
print(json.dumps({{"unused": unused, "deferred": deferred}}))
""",
        function,
    )
    # Then the resolvers and event classes it does not use stayed unloaded: both __init__s are
    # unrun (a handler importing Powertools before tradetrack would have run them)
    assert seen == {"unused": [], "deferred": list(POWERTOOLS_DEFERRED)}


def test_in_lambda_a_deferred_package_answers_gathered_names_alone_and_runs_its_init_for_others() -> None:
    # Given Lambda's environment, tradetrack imported (the Powertools packages registered, unrun)
    # When names its __init__ gathers are asked for, then a name only the __init__ defines
    seen = run_fresh(
        """
import json, sys
import tradetrack
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler import api_gateway
from aws_lambda_powertools.utilities.data_classes import S3Event, SQSEvent
from aws_lambda_powertools.utilities.data_classes import s3_event, sqs_event
same = [APIGatewayRestResolver is api_gateway.APIGatewayRestResolver, Response is api_gateway.Response,
        S3Event is s3_event.S3Event, SQSEvent is sqs_event.SQSEvent,
        content_types.APPLICATION_JSON == "application/json"]
unused_before = "aws_lambda_powertools.event_handler.appsync" in sys.modules
import aws_lambda_powertools.event_handler as event_handler
exported = "AppSyncResolver" in event_handler.__all__
from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.event_handler.appsync import AppSyncResolver as defined
print(json.dumps({"same": same, "unused_before": unused_before, "exported": exported,
                  "whole_after": AppSyncResolver is defined and Response is event_handler.Response,
                  "deferred_after": "__getattr__" in vars(event_handler)}))
""",
        "health",
    )
    # Then the gathered names are the submodules' own objects, loaded without the rest; `__all__`
    # (the __init__'s own) ran the __init__ in full, after which the package is a plain import's
    assert seen == {
        "same": [True] * 5,
        "unused_before": False,
        "exported": True,
        "whole_after": True,
        "deferred_after": False,
    }


def test_in_lambda_an_sqs_batch_is_handled_with_the_event_classes_package_deferred() -> None:
    # Given Lambda's environment and a fresh interpreter (Powertools' data_classes registered, unrun)
    # When a batch of two SQS records goes through the consumers' partial-batch response, the
    # second record's handler raising
    event = sqs_event(
        [
            {
                "MessageId": f"m{n}",
                "ReceiptHandle": f"r{n}",
                "Body": json.dumps({"n": n}),
                "Attributes": {"ApproximateReceiveCount": "2"},
            }
            for n in (1, 2)
        ],
        "trade-updates",
    )
    seen = run_fresh(
        f"""
import json, sys
import tradetrack
from tradetrack.batches import partial_batch_response

handled = []
def handler(item):
    handled.append([item.message_id, item.json_body["n"], item.attributes.approximate_receive_count])
    if item.json_body["n"] == 2:
        raise ValueError("fails")

response = partial_batch_response(json.loads({json.dumps(event)!r}), handler)
package = sys.modules["aws_lambda_powertools.utilities.data_classes"]
firehose = "aws_lambda_powertools.utilities.data_classes.kinesis_firehose_event" in sys.modules
print(json.dumps({{"response": response, "handled": handled, "deferred": "__getattr__" in vars(package),
                  "firehose": firehose}}))
""",
        "trade_updates",
    )
    # Then each record was read whole and the failed one reported, with the package still unrun
    assert seen == {
        "response": {"batchItemFailures": [{"itemIdentifier": "m2"}]},
        "handled": [["m1", 1, "2"], ["m2", 2, "2"]],
        "deferred": True,
        "firehose": False,
    }
