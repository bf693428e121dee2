"""GET /v1/openapi.json and /v1/docs: one OpenAPI document merged from every REST function."""

from __future__ import annotations

import importlib
import json
from functools import cache
from pathlib import Path
from types import ModuleType

from tradetrack import __version__
from tradetrack.rest import API_TITLE, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response, content_types

# In the repository the handlers are `functions.<name>.handler`; in Lambda this function's asset
# is the functions/ folder itself, so there they are `<name>.handler`.
_ROOT = (__package__ or "").rpartition(".")[0]
_SWAGGER_DIR = Path(importlib.import_module("aws_lambda_powertools.event_handler").__file__ or "").parent

app = make_rest_resolver()


def _sibling(module: str) -> ModuleType:
    return importlib.import_module(f"{_ROOT}.{module}" if _ROOT else module)


@cache
def merged_openapi_json() -> str:
    # The OpenAPI models and Swagger UI are imported by the first request, not at cold start.
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    from .openapi import distinct_components, finish

    merger = OpenAPIMerge(title=API_TITLE, version=__version__, on_conflict="error")
    public: list[tuple[str, str]] = []
    components: dict[str, object] = {}
    for spec in _sibling("manifest").FUNCTIONS:
        if spec.rest and spec.name != "docs":
            schema = json.loads(_sibling(f"{spec.name}.handler").app.get_openapi_json_schema())
            merger.add_schema(distinct_components(schema, components, spec.name))
            public += [(route.method, route.path) for route in spec.rest if route.public]
    merged = finish(json.loads(merger.get_openapi_json_schema()), public)
    return json.dumps(merged, indent=2)


@app.get("/v1/openapi.json", include_in_schema=False)
def get_openapi() -> Response[str]:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=merged_openapi_json())


@app.get("/v1/docs", include_in_schema=False)
def get_swagger_ui() -> Response[str]:
    from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

    assets = _SWAGGER_DIR / "openapi" / "swagger_ui"
    html = generate_swagger_html(
        merged_openapi_json().replace("</", "<\\/"),
        (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
        "",
        None,
    )
    return Response(status_code=200, content_type="text/html", body=html)


lambda_handler = rest_handler(app)
