"""Where the REST API's resources and methods live: nested stacks of the backend stack.

The backend stack was near CloudFormation's 500 resources (488 before this split), and a route costs
two to four (its resources, its method, its path's ANY fallback); a nested stack counts as one. So
the RestApi, its deployment and stage, authorizer, request validator, gateway responses and the
shared `/v1` resource stay in the backend, and every path below `/v1/<name>` goes to the nested
stack for `<name>`'s first letter (ROUTE_STACKS). The choice depends on the path alone, so a route
added to the manifest lands in its stack and existing routes never move: moving a resource between
stacks fails its first deploy (CloudFormation creates the new one before deleting the old: a
ConflictException on the path; docs/operations.md has the procedure).

Nothing else changes for api.py: it keeps calling `rest_api.root.resource_for_path(path)`, which
finds the group resource `place_groups` created in the nested stack (CDK tracks it as a child of
`/v1`) and builds the rest of the path and its methods under it, in that nested stack. CDK's own
bookkeeping does the rest: the methods attach to the real RestApi, the deployment's logical id
hashes every method and resource (a changed route redeploys the stage), and the deployment depends
on the nested stacks. Authorizer, validator and Lambda aliases reach the nested stacks as parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aws_cdk import NestedStack
from aws_cdk import aws_apigateway as apigateway
from constructs import Construct

# (construct id of the nested stack, the first letters of the `/v1/<name>` paths it holds). Add a
# stack by splitting a range only when one nears its budget (test_stack_limits.py): the routes of the
# letters that move fail their first deploy unless their resources are deleted by hand first
# (docs/operations.md, "Stack layout and resource budget").
ROUTE_STACKS: tuple[tuple[str, str], ...] = (
    ("RoutesAToD", "abcd"),
    ("RoutesEToZ", "efghijklmnopqrstuvwxyz"),
)
# Paths with more segments than this go to a nested stack; `/v1` itself (shared by all) stays.
SHARED_DEPTH = 1


def segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def group_of(path: str) -> str | None:
    """The top resource of `path` that a nested stack holds ("/v1/trades/{id}" -> "/v1/trades");
    None for a path the backend stack holds itself (`/` and `/v1`)."""
    parts = segments(path)
    return "/" + "/".join(parts[: SHARED_DEPTH + 1]) if len(parts) > SHARED_DEPTH else None


def stack_for(group: str) -> str:
    """The nested stack holding `group`: by its last segment's first letter; anything else (a
    digit, `{proxy+}`) goes to the last stack."""
    first = segments(group)[-1][:1].lower()
    for name, letters in ROUTE_STACKS:
        if first and first in letters:
            return name
    return ROUTE_STACKS[-1][0]


class RouteStack(NestedStack):
    """One nested stack of the REST API's resources and methods."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(
            scope,
            construct_id,
            description=f"TradeTrack {stage}: REST API resources and methods ({construct_id})",
        )


def place_groups(
    scope: Construct, rest_api: apigateway.RestApi, paths: Iterable[str], *, stage: str
) -> Mapping[str, RouteStack]:
    """Create the nested stacks `paths` need (only those: an empty template does not deploy) and,
    in each, the top resource of every group of paths it holds. Call before adding any method."""
    stacks: dict[str, RouteStack] = {}
    for group in sorted({group for path in paths if (group := group_of(path)) is not None}):
        name = stack_for(group)
        if name not in stacks:
            stacks[name] = RouteStack(scope, name, stage=stage)
        parent_path, part = group.rsplit("/", 1)
        parent = rest_api.root.resource_for_path(parent_path or "/")
        if parent.get_resource(part) is None:
            apigateway.Resource(stacks[name], "-".join(segments(group)), parent=parent, path_part=part)
    return stacks
