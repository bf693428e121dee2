"""The trader's web app (web/dist, built by `make web`) in AWS: a private S3 bucket behind CloudFront.

Its own stack (`TradeTrackWeb-<stage>`): the backend stack is close to CloudFormation's 500-resource
limit, and the app's hosting changes on a different rhythm. The backend's URLs arrive as cross-stack
references; CDK writes them into /config.json at deploy time (BucketDeployment, no Docker).

- The bucket is private (Block Public Access, SSL only); CloudFront reads it through origin access
  control. SPA routing: a CloudFront Function answers any path other than the build's top-level files
  (and /assets/*, /v1/*) with /index.html, so the app's own routes (/trades/…) load on a refresh.
- /v1/* is sent to the REST API (same origin, as `make dev` serves it: the app calls relative /v1
  paths, so no CORS), never cached, every viewer header but Host forwarded.
- Every answer carries the security headers: a CSP that lets the page connect only to itself, the
  REST and WebSocket API origins and the imports bucket (presigned uploads), HSTS, frame-ancestors
  'none' with X-Frame-Options DENY, nosniff, a strict referrer policy.
- /assets/* (content-hashed by Vite) is cached a year and marked immutable; everything else
  (index.html, config.json) is answered `no-cache` and kept at the edge for no time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Annotations, CfnOutput, CfnResource, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from tradetrack_infra.nag import acknowledge, resource_finding
from tradetrack_infra.paths import REPO_ROOT

WEB_DIST_DIR = REPO_ROOT / "web" / "dist"
# Deployed when web/dist was not built (a clean clone synthesizing without `make web`): one page
# saying so, so a synth never fails for it and a deploy of it is obvious. `make synth` builds the app.
PLACEHOLDER_DIR = Path(__file__).resolve().parent / "web_placeholder"
CONFIG_KEY = "config.json"
INDEX = "index.html"
ASSETS_PATH = "/assets/*"
API_PATH = "/v1/*"
ASSET_MAX_AGE = Duration.days(365)
ASSET_CACHE_CONTROL = f"public, max-age={int(ASSET_MAX_AGE.to_seconds())}, immutable"
NO_CACHE = "no-cache"
HSTS_MAX_AGE = Duration.days(730)
LOG_RETENTION = Duration.days(90)
SITE_VERSIONS_KEPT = Duration.days(30)


@dataclass(frozen=True)
class BackendEndpoints:
    """What the app talks to, from the backend stack (tokens there; references here)."""

    region: str
    rest_api_id: str
    rest_stage: str
    websocket_api_id: str
    websocket_stage: str
    uploads_bucket_name: str | None = None

    @property
    def rest_domain(self) -> str:
        return f"{self.rest_api_id}.execute-api.{self.region}.amazonaws.com"

    @property
    def rest_url(self) -> str:
        return f"https://{self.rest_domain}/{self.rest_stage}/"

    @property
    def websocket_origin(self) -> str:
        return f"wss://{self.websocket_api_id}.execute-api.{self.region}.amazonaws.com"

    @property
    def websocket_url(self) -> str:
        return f"{self.websocket_origin}/{self.websocket_stage}"

    def connect_sources(self) -> list[str]:
        sources = ["'self'", f"https://{self.rest_domain}", self.websocket_origin]
        if self.uploads_bucket_name:  # presigned PUTs, either addressing form boto3 may sign
            name = self.uploads_bucket_name
            sources += [f"https://{name}.s3.{self.region}.amazonaws.com", f"https://{name}.s3.amazonaws.com"]
        return sources


def content_security_policy(endpoints: BackendEndpoints) -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": endpoints.connect_sources(),
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def app_config(endpoints: BackendEndpoints) -> dict[str, str]:
    """/config.json, as web/src/live/config.ts reads it (wsUrl) plus the REST API's direct URL."""
    return {"apiUrl": endpoints.rest_url, "wsUrl": endpoints.websocket_url}


def root_files(source_dir: Path) -> list[str]:
    """The files the default behavior serves as they are: the top level of the build, and config.json."""
    names = {path.name for path in source_dir.iterdir() if path.is_file()} | {CONFIG_KEY}
    return sorted(f"/{name}" for name in names)


def spa_routing_code(files: list[str]) -> str:
    """A CloudFront Function (viewer request, default behavior only: /assets/* and /v1/* have their own
    behaviors): any path that is not one of `files` is answered with /index.html, so a refresh on
    /trades/... loads the app. Not custom error responses: those would also turn the API's own 403
    and 404 answers under /v1/* into index.html with 200."""
    return (
        f"var FILES = {json.dumps(dict.fromkeys(files, True), sort_keys=True)};\n"
        "function handler(event) {\n"
        "  var request = event.request;\n"
        f"  if (!FILES[request.uri]) {{ request.uri = '/{INDEX}'; }}\n"
        "  return request;\n"
        "}\n"
    )


def web_dist_dir(dist: Path = WEB_DIST_DIR) -> Path | None:
    return dist if (dist / INDEX).is_file() else None


class WebHostingStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        endpoints: BackendEndpoints,
        removal_policy: RemovalPolicy,
        dist: Path | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        web_acl_arn: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.endpoints = endpoints
        self.distribution_web_acl = web_acl_arn

        self.logs_bucket = s3.Bucket(
            self,
            "Logs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            # CloudFront standard logs are delivered with an ACL: the bucket must accept them.
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            lifecycle_rules=[s3.LifecycleRule(expiration=LOG_RETENTION)],
            removal_policy=removal_policy,
        )
        # No AwsSolutions-S1 finding: cdk-nag sees the site bucket logging here.
        self.bucket = s3.Bucket(
            self,
            "Site",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.logs_bucket,
            server_access_logs_prefix="s3-site/",
            # A deploy's overwritten or pruned files stay recoverable for a while (rollback by hand).
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=SITE_VERSIONS_KEPT,
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                    expired_object_delete_marker=True,
                )
            ],
            removal_policy=removal_policy,
        )

        security = cloudfront.ResponseSecurityHeadersBehavior(
            content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                content_security_policy=content_security_policy(endpoints), override=True
            ),
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, preload=True, override=True
            ),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption.DENY, override=True
            ),
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                override=True,
            ),
        )
        self.document_headers = self._headers_policy("DocumentHeaders", stage, security, NO_CACHE)
        self.asset_headers = self._headers_policy("AssetHeaders", stage, security, ASSET_CACHE_CONTROL)
        self.api_headers = self._headers_policy("ApiHeaders", stage, security, None)
        self.document_cache = cloudfront.CachePolicy(
            self,
            "DocumentCache",
            cache_policy_name=f"tradetrack-web-{stage}-documents",
            comment="index.html and config.json: revalidated on every request",
            default_ttl=Duration.seconds(0),
            min_ttl=Duration.seconds(0),
            max_ttl=Duration.seconds(0),
        )
        self.asset_cache = cloudfront.CachePolicy(
            self,
            "AssetCache",
            cache_policy_name=f"tradetrack-web-{stage}-assets",
            comment="Content-hashed /assets/*: a year, never revalidated",
            default_ttl=ASSET_MAX_AGE,
            min_ttl=ASSET_MAX_AGE,
            max_ttl=ASSET_MAX_AGE,
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )

        source_dir = web_dist_dir(dist or WEB_DIST_DIR)
        if source_dir is None:
            source_dir = PLACEHOLDER_DIR
            Annotations.of(self).add_warning_v2(
                "tradetrack:webDistMissing",
                f"{dist or WEB_DIST_DIR} has no {INDEX}: deploying a placeholder page. Run `make web` first.",
            )
        self.source_dir = source_dir
        self.spa_routing = cloudfront.Function(
            self,
            "SpaRouting",
            comment="The app's own routes (/trades/...) answer /index.html",
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            code=cloudfront.FunctionCode.from_inline(spa_routing_code(root_files(source_dir))),
        )
        site = origins.S3BucketOrigin.with_origin_access_control(self.bucket)
        api = origins.HttpOrigin(
            endpoints.rest_domain,
            origin_path=f"/{endpoints.rest_stage}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"TradeTrack web app ({stage})",
            default_root_object=INDEX,
            default_behavior=cloudfront.BehaviorOptions(
                origin=site,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=self.document_cache,
                response_headers_policy=self.document_headers,
                compress=True,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=self.spa_routing, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            ),
            additional_behaviors={
                ASSETS_PATH: cloudfront.BehaviorOptions(
                    origin=site,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    cache_policy=self.asset_cache,
                    response_headers_policy=self.asset_headers,
                    compress=True,
                ),
                API_PATH: cloudfront.BehaviorOptions(
                    origin=api,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=self.api_headers,
                ),
            },
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_200,  # includes India's edge locations
            enable_logging=True,
            log_bucket=self.logs_bucket,
            log_file_prefix="cloudfront/",
            web_acl_id=web_acl_arn,  # the CLOUDFRONT web ACL of edge.py (us-east-1)
        )
        self._acknowledge_distribution()

        self.deployment = s3deploy.BucketDeployment(
            self,
            "Deploy",
            destination_bucket=self.bucket,
            sources=[
                s3deploy.Source.asset(str(source_dir), exclude=[CONFIG_KEY]),
                s3deploy.Source.json_data(CONFIG_KEY, app_config(endpoints)),
            ],
            distribution=self.distribution,
            distribution_paths=["/index.html", "/config.json"],
            prune=True,
            memory_limit=512,
            log_group=logs.LogGroup(
                self, "DeployLogs", retention=log_retention, removal_policy=removal_policy
            ),
        )
        self._acknowledge_deployment()

        CfnOutput(self, "WebAppUrl", value=f"https://{self.distribution.distribution_domain_name}/")
        CfnOutput(self, "WebBucketName", value=self.bucket.bucket_name)

    def _headers_policy(
        self,
        construct_id: str,
        stage: str,
        security: cloudfront.ResponseSecurityHeadersBehavior,
        cache_control: str | None,
    ) -> cloudfront.ResponseHeadersPolicy:
        custom = (
            cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(
                        header="Cache-Control", value=cache_control, override=True
                    )
                ]
            )
            if cache_control
            else None
        )
        return cloudfront.ResponseHeadersPolicy(
            self,
            construct_id,
            response_headers_policy_name=f"tradetrack-web-{stage}-{construct_id.lower()}",
            security_headers_behavior=security,
            custom_headers_behavior=custom,
        )

    def _acknowledge_distribution(self) -> None:
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "Traders use the app from wherever they travel; the API authenticates every request, so no "
            "geo restriction is applied.",
        )
        if self.distribution_web_acl is None:
            acknowledge(
                self.distribution,
                "AwsSolutions-CFR2",
                "Built without a web ACL (a test or a stack used on its own); the app's web stack gets "
                "the CLOUDFRONT web ACL of edge.py (TradeTrackWafCdn-<stage>).",
            )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR4",
            "The default *.cloudfront.net certificate cannot pin a minimum TLS version; a custom domain "
            "with an ACM certificate (in us-east-1) and TLSv1.2_2021 comes with issue #17.",
        )

    def _acknowledge_deployment(self) -> None:
        """BucketDeployment's CDK-provided function (a singleton per stack) and its role's grants."""
        handler = next(
            child for child in self.node.children if child.node.id.startswith("Custom::CDKBucketDeployment")
        )
        # As for the manifest functions: CDK's DependsOn on the role repeats the Role GetAtt (W3005).
        cfn_function = handler.node.default_child
        assert isinstance(cfn_function, CfnResource)
        cfn_function.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
        # X-Ray on every function (#17), CDK's deploy-time one too (Resource::* acknowledged below).
        cfn_function.add_property_override("TracingConfig.Mode", "Active")
        handler_role = self.deployment.handler_role
        handler_role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
            )
        )
        acknowledge(
            handler,
            "AwsSolutions-IAM4",
            "BucketDeployment's CDK-provided upload function logs with the AWS managed "
            "AWSLambdaBasicExecutionRole; it runs only during deploys.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        )
        acknowledge(
            handler,
            "AwsSolutions-L1",
            "BucketDeployment's CDK-provided function pins the runtime its bundled AWS CLI layer supports; "
            "it moves with aws-cdk-lib upgrades and runs only during deploys.",
        )
        acknowledge(
            handler,
            "AwsSolutions-IAM5",
            "BucketDeployment's CDK-provided function reads the CDK asset bucket and syncs the built app "
            "into this one site bucket (s3 sync needs the object-level wildcards); CloudFront "
            "invalidations have no resource-level permissions, hence Resource::*.",
            "Action::s3:Abort*",
            "Action::s3:DeleteObject*",
            "Action::s3:GetBucket*",
            "Action::s3:GetObject*",
            "Action::s3:List*",
            "Resource::*",
            resource_finding(self, self.bucket.arn_for_objects("*")),
            # The account: a token offline, the CLI's or the pipeline stage's account when known.
            f"Resource::arn:aws:s3:::cdk-hnb659fds-assets-{_account_finding(self)}-{self.region}/*",
        )


def _account_finding(stack: Stack) -> str:
    return "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
