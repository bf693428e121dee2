"""The trader's web app in AWS (stack TradeTrackWeb-<stage>): private S3 behind CloudFront, as synthesized."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, RemovalPolicy
from aws_cdk.assertions import Template
from aws_cdk.cx_api import SynthesisMessageLevel

from tests.infrastructure.conftest import Synthesized
from tradetrack_infra.web_hosting import (
    PLACEHOLDER_DIR,
    BackendEndpoints,
    WebHostingStack,
    spa_routing_code,
)

pytestmark = pytest.mark.infrastructure

CFN_LINT = Path(sys.executable).with_name("cfn-lint")
NODE = shutil.which("node")
YEAR_S = 365 * 24 * 3600
# CloudFront's managed policies (ids are fixed by AWS)
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


class Web:
    """The web stack of a synthesized app, with its backend's outputs to render references by."""

    def __init__(self, app: Synthesized) -> None:
        root = app.stack.node.root
        self.stack = root.node.find_child(f"TradeTrackWeb-{app.stack.settings.stage}")
        assert isinstance(self.stack, WebHostingStack)
        self.template = Template.from_stack(self.stack)
        self.template_path = app.assembly_dir / self.stack.template_file
        self.assembly_dir = app.assembly_dir
        self.backend = app.template.to_json()

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {key: dict(value) for key, value in self.template.find_resources(resource_type).items()}

    def one(self, resource_type: str) -> dict[str, Any]:
        (resource,) = self.resources(resource_type).values()
        return dict(resource["Properties"])

    def render(self, value: Any) -> str:
        """A string property as deployed, the backend's values shown as <LogicalId> of what they name."""
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(self.render(part) for part in parts)
        if isinstance(value, dict) and "Fn::GetStackOutput" in value:
            output = self.backend["Outputs"][value["Fn::GetStackOutput"]["OutputName"]]
            return f"<{output['Value']['Ref']}>"
        raise AssertionError(f"cannot render {value!r}")

    def backend_id(self, resource_type: str) -> str:
        (logical_id,) = [k for k, v in self.backend["Resources"].items() if v["Type"] == resource_type]
        return str(logical_id)

    def distribution(self) -> dict[str, Any]:
        config: dict[str, Any] = self.one("AWS::CloudFront::Distribution")["DistributionConfig"]
        return config

    def behaviors(self) -> dict[str, dict[str, Any]]:
        config = self.distribution()
        return {"default": config["DefaultCacheBehavior"]} | {
            b["PathPattern"]: b for b in config["CacheBehaviors"]
        }

    def headers_policy(self, ref: dict[str, str]) -> dict[str, Any]:
        policy: dict[str, Any] = self.resources("AWS::CloudFront::ResponseHeadersPolicy")[ref["Ref"]][
            "Properties"
        ]["ResponseHeadersPolicyConfig"]
        return policy

    def cache_policy(self, ref: dict[str, str]) -> dict[str, Any]:
        policy: dict[str, Any] = self.resources("AWS::CloudFront::CachePolicy")[ref["Ref"]]["Properties"][
            "CachePolicyConfig"
        ]
        return policy


@pytest.fixture(scope="module")
def web(dev_app: Synthesized) -> Web:
    return Web(dev_app)


def site_bucket_id(web: Web) -> str:
    origin = next(o for o in web.distribution()["Origins"] if "S3OriginConfig" in o)
    bucket_id: str = origin["DomainName"]["Fn::GetAtt"][0]
    return bucket_id


def test_site_bucket_is_private_and_ssl_only(web: Web) -> None:
    # Given the bucket CloudFront serves the app from
    bucket_id = site_bucket_id(web)
    bucket = web.resources("AWS::S3::Bucket")[bucket_id]["Properties"]

    # Then every public access is blocked, objects belong to the bucket owner, and access is logged
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "LoggingConfiguration" in bucket
    assert "WebsiteConfiguration" not in bucket
    # And its policy denies any request not over TLS
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in web.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in policy
    )


def test_distribution_reads_the_bucket_through_origin_access_control_only(web: Web) -> None:
    # Given the distribution, its origin access control and the site bucket's policy
    config = web.distribution()
    oac = web.one("AWS::CloudFront::OriginAccessControl")["OriginAccessControlConfig"]
    bucket_id = site_bucket_id(web)
    statements = [
        s
        for p in web.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]

    # Then the S3 origin signs every request (SigV4) with OAC and no legacy origin access identity
    assert oac["OriginAccessControlOriginType"] == "s3"
    assert (oac["SigningBehavior"], oac["SigningProtocol"]) == ("always", "sigv4")
    (s3_origin,) = [o for o in config["Origins"] if "S3OriginConfig" in o]
    assert "OriginAccessControlId" in s3_origin
    assert s3_origin["S3OriginConfig"]["OriginAccessIdentity"] == ""
    # And the bucket lets CloudFront read, only on behalf of this distribution
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    distribution_id = next(iter(web.resources("AWS::CloudFront::Distribution")))
    assert distribution_id in json.dumps(allow["Condition"]["StringEquals"]["AWS:SourceArn"])
    # And viewers are sent to HTTPS, with logs kept
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["Logging"]["Prefix"] == "cloudfront/"


def run_function(code: str, uri: str) -> str:
    """Runs the CloudFront Function's handler in node on a viewer request for `uri`."""
    assert NODE, "node is needed (the CDK CLI needs it too)"
    script = f"{code}\nprocess.stdout.write(handler({{request: {{uri: {json.dumps(uri)}}}}}).uri);"
    result = subprocess.run([NODE, "-e", script], capture_output=True, text=True, check=True, timeout=30)
    return result.stdout


def test_app_routes_answer_index_html_and_api_errors_pass_through(web: Web) -> None:
    # Given the distribution's SPA routing function, as deployed on the default behavior
    config = web.distribution()
    function = web.one("AWS::CloudFront::Function")
    (association,) = config["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    code = function["FunctionCode"]

    # When it sees viewer requests, Then the app's own routes (and /) get /index.html
    for route in ["/", "/trades", "/trades/01JABCDEF", "/tax", "/unknown.php"]:
        assert run_function(code, route) == "/index.html", route
    # And the build's top-level files and config.json are served as they are
    for file in ["/index.html", "/config.json"]:
        assert run_function(code, file) == file
    # And no distribution-wide error page rewrites the API's own 403/404 answers under /v1/*
    assert "CustomErrorResponses" not in config
    assert "FunctionAssociations" not in web.behaviors()["/v1/*"]
    assert "FunctionAssociations" not in web.behaviors()["/assets/*"]


def test_every_answer_carries_the_security_headers(web: Web) -> None:
    # Given the response headers policies of every behavior
    rest_api = web.backend_id("AWS::ApiGateway::RestApi")
    websocket_api = web.backend_id("AWS::ApiGatewayV2::Api")
    policies = [web.headers_policy(b["ResponseHeadersPolicyId"]) for b in web.behaviors().values()]
    assert len(policies) == 3

    for policy in policies:
        security = policy["SecurityHeadersConfig"]
        # Then the CSP lets the page connect only to itself, the REST and WebSocket APIs (and the
        # imports bucket for presigned uploads), loads nothing from elsewhere and cannot be framed
        csp = web.render(security["ContentSecurityPolicy"]["ContentSecurityPolicy"])
        directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
        connect = directives["connect-src"]
        assert connect[:3] == [
            "'self'",
            f"https://<{rest_api}>.execute-api.ap-south-1.amazonaws.com",
            f"wss://<{websocket_api}>.execute-api.ap-south-1.amazonaws.com",
        ]
        assert all(".s3." in source for source in connect[3:])
        for directive in ["default-src", "script-src", "style-src", "font-src"]:
            assert directives[directive] == ["'self'"], directive
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["object-src"] == ["'none'"]
        # And HSTS (2 years, subdomains), X-Frame-Options DENY, nosniff and a strict referrer policy
        hsts = security["StrictTransportSecurity"]
        assert hsts["AccessControlMaxAgeSec"] >= YEAR_S
        assert hsts["IncludeSubdomains"] is True
        assert security["FrameOptions"]["FrameOption"] == "DENY"
        assert security["ContentTypeOptions"]["Override"] is True
        assert security["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
        assert all(header["Override"] is True for header in security.values())


def cache_control(web: Web, behavior: dict[str, Any]) -> str | None:
    custom = web.headers_policy(behavior["ResponseHeadersPolicyId"]).get("CustomHeadersConfig")
    values = [h["Value"] for h in (custom or {}).get("Items", []) if h["Header"] == "Cache-Control"]
    return values[0] if values else None


def test_hashed_assets_are_immutable_and_documents_are_never_cached(web: Web) -> None:
    # Given the distribution's behaviors
    behaviors = web.behaviors()

    # Then /assets/* (content-hashed by Vite) is cached a year at the edge and in browsers, immutable
    assets = behaviors["/assets/*"]
    policy = web.cache_policy(assets["CachePolicyId"])
    assert policy["DefaultTTL"] == policy["MinTTL"] == YEAR_S
    assert cache_control(web, assets) == f"public, max-age={YEAR_S}, immutable"
    # And index.html, config.json and the app's routes are kept nowhere: browsers revalidate
    default = behaviors["default"]
    policy = web.cache_policy(default["CachePolicyId"])
    assert policy["DefaultTTL"] == policy["MaxTTL"] == 0
    assert cache_control(web, default) == "no-cache"


def test_api_paths_go_to_the_rest_api_uncached(web: Web) -> None:
    # Given the /v1/* behavior and its origin
    api = web.behaviors()["/v1/*"]
    (origin,) = [o for o in web.distribution()["Origins"] if o["Id"] == api["TargetOriginId"]]
    rest_api = web.backend_id("AWS::ApiGateway::RestApi")

    # Then the app's relative /v1 calls reach the REST API's stage over TLS 1.2, same origin as the page
    assert web.render(origin["DomainName"]) == f"<{rest_api}>.execute-api.ap-south-1.amazonaws.com"
    assert origin["OriginPath"] == "/dev"
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
    # And every method, the Authorization header and the query pass through; nothing is cached
    assert {"POST", "PATCH", "PUT", "DELETE"} <= set(api["AllowedMethods"])
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert api["ViewerProtocolPolicy"] == "https-only"
    assert cache_control(web, api) is None  # the API's own Cache-Control stands


def test_deployment_writes_config_json_with_the_api_urls(web: Web) -> None:
    # Given the BucketDeployment custom resource and the config.json asset it unpacks
    deployment = web.one("Custom::CDKBucketDeployment")
    site = site_bucket_id(web)
    assert deployment["DestinationBucketName"] == {"Ref": site}
    assert deployment["Prune"] is True
    configs = [
        (path, index)
        for index, key in enumerate(deployment["SourceObjectKeys"])
        for path in [web.assembly_dir / f"asset.{key.removesuffix('.zip')}" / "config.json"]
        if path.is_file()
    ]
    (path, index), *_ = configs

    # When its deploy-time markers are replaced by the values CloudFormation resolves
    text = path.read_text()
    for marker, value in deployment["SourceMarkers"][index].items():
        text = text.replace(marker, web.render(value))
    config = json.loads(text)

    # Then the app finds the REST API's stage URL and the WebSocket URL it reads (wsUrl)
    rest_api = web.backend_id("AWS::ApiGateway::RestApi")
    websocket_api = web.backend_id("AWS::ApiGatewayV2::Api")
    assert config == {
        "apiUrl": f"https://<{rest_api}>.execute-api.ap-south-1.amazonaws.com/dev/",
        "wsUrl": f"wss://<{websocket_api}>.execute-api.ap-south-1.amazonaws.com/dev",
    }
    # And the built app is the other source, its config.json (if any) never shadowing CDK's
    assert len(deployment["SourceObjectKeys"]) == 2
    # And CloudFront forgets the old index.html and config.json after each deploy
    assert set(deployment["DistributionPaths"]) == {"/index.html", "/config.json"}


def test_cfn_lint_finds_nothing_in_the_web_stack(web: Web) -> None:
    # Given the web stack's synthesized template, When cfn-lint checks it as `make synth` does
    result = subprocess.run(
        [str(CFN_LINT), str(web.template_path)], capture_output=True, text=True, check=False, timeout=120
    )

    # Then it reports no error and no warning
    assert result.returncode == 0, result.stdout + result.stderr


def test_synth_without_a_built_app_deploys_a_placeholder_and_warns(tmp_path: Path) -> None:
    # Given a web/dist that `make web` never built, and plain backend endpoints
    missing = tmp_path / "dist"
    missing.mkdir()
    app = App(outdir=str(tmp_path / "cdk.out"))
    endpoints = BackendEndpoints("ap-south-1", "abc123", "dev", "def456", "dev")

    # When the web stack is synthesized
    stack = WebHostingStack(
        app,
        "Web",
        stage="dev",
        endpoints=endpoints,
        removal_policy=RemovalPolicy.DESTROY,
        dist=missing,
        env=Environment(region="ap-south-1"),
    )
    assembly = app.synth()

    # Then it deploys the placeholder page and says why, instead of failing
    assert stack.source_dir == PLACEHOLDER_DIR
    warnings = [
        message.entry.data
        for message in assembly.get_stack_by_name("Web").messages
        if message.level == SynthesisMessageLevel.WARNING
    ]
    assert any("make web" in str(message) for message in warnings)


def test_spa_routing_serves_exactly_the_listed_files() -> None:
    # Given the routing function for a build with a favicon at its top level
    code = spa_routing_code(["/config.json", "/favicon.svg", "/index.html"])

    # Then the favicon is served as is, a missing file and nested paths get the app
    assert run_function(code, "/favicon.svg") == "/favicon.svg"
    assert run_function(code, "/robots.txt") == "/index.html"
    assert run_function(code, "/trades/x/favicon.svg") == "/index.html"
