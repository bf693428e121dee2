"""The stage's stack: wires the capability constructs from functions/manifest.py, nothing else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from functions.manifest import AUTHORIZER, FUNCTIONS, FunctionSpec
from tradetrack_infra.api import Api, RouteTarget
from tradetrack_infra.api_gateway_account import ApiGatewayAccount
from tradetrack_infra.attachments import ATTACHMENTS, AttachmentFiles
from tradetrack_infra.auth import Auth
from tradetrack_infra.broker_sync import BROKERS, BrokerSync
from tradetrack_infra.canary import CanaryReleases
from tradetrack_infra.functions import ManifestFunctions
from tradetrack_infra.imports import IMPORT_WORKER, ImportUploads
from tradetrack_infra.layers import SharedLayers
from tradetrack_infra.manifest_function import METRICS_NAMESPACE, FunctionDeps, ManifestFunction
from tradetrack_infra.network import NetworkStack
from tradetrack_infra.notifications import NOTIFIER, Notifications
from tradetrack_infra.observability import Observability
from tradetrack_infra.queues import Queues
from tradetrack_infra.reports import REPORTS, ReportFiles
from tradetrack_infra.runtime_config import RuntimeConfig
from tradetrack_infra.schedules import Schedules
from tradetrack_infra.settings import StageSettings
from tradetrack_infra.websocket import WebSocket, WebSocketTarget

MARKET_FEED = "market_feed"


class TradeTrackStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        functions: Sequence[FunctionSpec] = FUNCTIONS,
        network: NetworkStack | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings
        layers = SharedLayers(self, "Layers", deps_layer_path=settings.deps_layer_path)
        runtime_config = RuntimeConfig(
            self, "RuntimeConfig", settings=settings, cache=network.cache if network else None
        )
        self.functions = ManifestFunctions(
            self,
            "Functions",
            specs=functions,
            deps=FunctionDeps(
                settings=settings,
                layers=layers,
                runtime_config=runtime_config,
                network=network.for_functions() if network else None,
            ),
        )
        by_name = self.functions.by_name
        # The APIs, the authorizer and the queues invoke a function's `live` alias where it has one.
        lambdas = {name: built.function for name, built in by_name.items()}
        self.releases = CanaryReleases(
            self,
            "Releases",
            stage=settings.stage,
            specs=functions,
            functions=lambdas,
            layers=layers.every,  # the images layer too: a new Pillow publishes a new worker version
            deployment_config=settings.deployment_config,
        )
        targets = self.releases.targets(self, lambdas)
        self.auth = (
            Auth(self, "Auth", settings=settings, functions=by_name) if AUTHORIZER in by_name else None
        )
        authorizer = targets[AUTHORIZER] if self.auth else None
        self.observability = Observability(
            self,
            "Observability",
            stage=settings.stage,
            ops_email=settings.ops_email,
            removal_policy=settings.removal_policy,
        )
        account = (
            ApiGatewayAccount(self, "ApiGatewayAccount") if settings.manage_api_gateway_account else None
        )
        logging_account = account.dependable if account else None

        rest_routes = [RouteTarget(route, targets[spec.name]) for spec in functions for route in spec.rest]
        self.api: Api | None = None
        if rest_routes:
            self.api = Api(
                self,
                "Api",
                settings=settings,
                routes=rest_routes,
                logging_account=logging_account,
                authorizer=authorizer,
            )
            self.observability.watch_rest_api(self.api.rest_api)
            CfnOutput(self, "RestApiUrl", value=self.api.url, description="REST API base URL (append v1/...)")

        ws_routes = [
            WebSocketTarget(key, by_name[spec.name].function, targets[spec.name])
            for spec in functions
            for key in spec.websocket
        ]
        self.websocket: WebSocket | None = None
        if ws_routes:
            self.websocket = WebSocket(
                self,
                "WebSocket",
                settings=settings,
                routes=ws_routes,
                logging_account=logging_account,
                authorizer=authorizer,
            )
            CfnOutput(self, "WebSocketUrl", value=self.websocket.stage.url, description="wss:// URL")
            on_routes = {spec.name for spec in functions if spec.websocket}
            for spec in functions:
                if spec.posts_to_websocket and spec.name not in on_routes:
                    self.websocket.grant_manage_connections(by_name[spec.name].function)

        self.schedules = Schedules(
            self, "Schedules", specs=functions, functions=by_name, stage=settings.stage
        )
        self.queues = Queues(
            self,
            "Queues",
            specs=functions,
            functions=by_name,
            stage=settings.stage,
            targets=self.releases.aliases,
        )
        self.allow_apis_to_invoke_aliases(functions)
        public_api_url = public_url(self.api.rest_api, settings.stage) if self.api else ""
        self.notifications: Notifications | None = None
        if NOTIFIER in by_name:
            self.notifications = Notifications(
                self, "Notifications", settings=settings, functions=by_name, public_api_url=public_api_url
            )
        self.import_uploads: ImportUploads | None = None
        if IMPORT_WORKER in by_name:
            self.import_uploads = ImportUploads(self, "ImportUploads", settings=settings, functions=by_name)
        self.report_files = (  # the reports bucket of TradeTrackStorage (reports.py)
            ReportFiles(self, "ReportFiles", stage=settings.stage, functions=by_name)
            if REPORTS in by_name
            else None
        )
        self.attachment_files = (  # the attachments bucket of TradeTrackStorage (attachments.py)
            AttachmentFiles(self, "AttachmentFiles", stage=settings.stage, functions=by_name)
            if ATTACHMENTS in by_name
            else None
        )
        self.broker_sync: BrokerSync | None = None
        if BROKERS in by_name:
            self.broker_sync = BrokerSync(
                self,
                "BrokerSync",
                settings=settings,
                specs=functions,
                functions=by_name,
                queues=self.queues.by_name,
                public_api_url=public_api_url,
            )
            self.observability.watch_alarm(self.broker_sync.sync_backlog_alarm)
        elif any(spec.uses for spec in functions):
            raise ValueError(f"`uses` is granted by the BrokerSync capability, which needs {BROKERS}")
        for consumed in self.queues.by_name.values():
            self.observability.watch_alarm(consumed.dead_letter_alarm)
        self.watch_functions(by_name)
        self.observability.notify_every_alarm(self)
        self.releases.add_deployment_groups(self.rollback_alarms(functions))

    def watch_functions(self, by_name: Mapping[str, ManifestFunction]) -> None:
        """Each function's errors; and, the market feed's pass reconciling the paper accounts it
        touched (docs/paper.md), any drifted paper ledger pages ops."""
        for name, built in by_name.items():
            self.observability.watch_function(name, built.function)
        if MARKET_FEED not in by_name:
            return
        self.observability.watch_count(
            "PaperLedgerDrift",
            namespace=METRICS_NAMESPACE,
            service=MARKET_FEED,
            description="a paper account's balance drifted from its fills (tradetrack.paper.reconcile)",
        )

    def allow_apis_to_invoke_aliases(self, specs: Sequence[FunctionSpec]) -> None:
        """API Gateway's invoke permissions on the aliases the REST and WebSocket APIs call (canary.py)."""
        if self.api is not None:
            rest = {spec.name for spec in specs if spec.rest} | {AUTHORIZER}
            self.releases.allow_invoke("RestApiInvoke", rest, self.api.rest_api.rest_api_id)
        if self.websocket is not None:
            websocket = {spec.name for spec in specs if spec.websocket} | {AUTHORIZER}
            self.releases.allow_invoke("WebSocketInvoke", websocket, self.websocket.api.api_id)

    def rollback_alarms(self, specs: Sequence[FunctionSpec]) -> dict[str, list[cloudwatch.IAlarm]]:
        """What rolls a canary back, per function: its errors; the REST API's 5XX for the functions
        behind it (and the authorizer); the dead letters of the queues it consumes."""
        rest_5xx = self.observability.rest_5xx_alarm
        alarms: dict[str, list[cloudwatch.IAlarm]] = {}
        for spec in specs:
            watched: list[cloudwatch.IAlarm] = [self.observability.function_alarms[spec.name]]
            if rest_5xx is not None and (spec.rest or spec.name == AUTHORIZER):
                watched.append(rest_5xx)
            watched.extend(self.queues.by_name[source.queue].dead_letter_alarm for source in spec.queues)
            alarms[spec.name] = watched
        return alarms


def public_url(rest_api: apigateway.RestApi, stage: str) -> str:
    """The REST API's base URL ("https://.../<stage>/") for functions behind that API to build links.

    `RestApi.url` names the stage by a Ref: a function behind the API told it would depend on the
    stage, the stage on the deployment, the deployment on that function's methods: a cycle.
    """
    stack = Stack.of(rest_api)
    return f"https://{rest_api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}/{stage}/"
