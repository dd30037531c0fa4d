"""The OpenAPI document covers exactly the API's routes and methods."""

from __future__ import annotations

import re

from evaluator.api.routes import PUBLIC_API_ENDPOINTS


def _flask_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule)


def test_every_api_route_is_documented_and_nothing_else(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, ops in document["paths"].items()
                  for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint in PUBLIC_API_ENDPOINTS:
            continue
        path = _flask_to_openapi(rule.rule).removeprefix("/api/v1")
        routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed


def test_every_reference_resolves_and_every_operation_documents_401(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    text = str(document)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in schemas, name
    for ops in document["paths"].values():
        for op in ops.values():
            assert "401" in op["responses"] and op["operationId"]
    assert document["servers"][0]["url"].endswith("/api/v1")
