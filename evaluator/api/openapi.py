"""The OpenAPI 3.0 document of /api/v1, written by hand next to the routes it describes.

Checked against the running app by tests/api/test_schemathesis.py (schemathesis: no server
errors, every response conforms to this document) and for coverage of the URL map by
tests/api/test_openapi.py. Keep the two in step: a route without an entry here fails a test.

Over 400 lines because it is data: one entry per route and schema.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from ..scoring.relevance import ORG_SIZES
from ..services.dossier import OUTCOMES
from ..services.vendors import INTEGRATION_KINDS


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time"}
ID_PARAM_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 2147483647}


def _obj(properties: dict, required: list[str] | None = None, *, extra: bool = False) -> dict:
    out: dict[str, Any] = {"type": "object", "properties": properties,
                           "additionalProperties": extra}
    if required:
        out["required"] = required
    return out


def _page_of(item: str) -> dict:
    return _obj({"items": {"type": "array", "items": _ref(item)},
                 "page": {"type": "integer", "minimum": 1},
                 "per_page": {"type": "integer", "minimum": 1},
                 "total": {"type": "integer", "minimum": 0},
                 "pages": {"type": "integer", "minimum": 1}},
                ["items", "page", "per_page", "total", "pages"])


CONTACT = _obj({"name": {"type": "string", "minLength": 1, "maxLength": 120},
                "email": {"type": "string", "maxLength": 254},
                "phone": {"type": "string", "maxLength": 60},
                "title": {"type": "string", "maxLength": 120}}, ["name"])
CERTIFICATION = _obj({"name": {"type": "string", "minLength": 1, "maxLength": 120},
                      "expires_on": _nullable({"type": "string", "format": "date"}),
                      "issuer": {"type": "string", "maxLength": 120}}, ["name"])
INTEGRATION = _obj({"kind": {"type": "string", "enum": list(INTEGRATION_KINDS)},
                    "product": {"type": "string", "maxLength": 120},
                    "notes": {"type": "string", "maxLength": 20000}}, ["kind"])

VENDOR_INPUT_PROPS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200,
             "description": "Unique, compared ignoring case; surrounding spaces are trimmed."},
    "country": {"type": "string", "maxLength": 80},
    "sector": {"type": "string", "maxLength": 120},
    "website": {"type": "string", "maxLength": 300,
                "description": "Empty, or an http:// or https:// address."},
    "headcount": _nullable({"type": "integer", "minimum": 0, "maximum": 10_000_000}),
    "regions": {"type": "string", "maxLength": 300},
    "data_residency": {"type": "string", "maxLength": 300},
    "description": {"type": "string", "maxLength": 20000},
    "contacts": {"type": "array", "maxItems": 200, "items": _ref("Contact")},
    "certifications": {"type": "array", "maxItems": 200, "items": _ref("Certification")},
    "integrations": {"type": "array", "maxItems": 200, "items": _ref("Integration")},
}

VENDOR = _obj({
    "id": INT, "name": STR, "country": STR, "sector": STR, "website": STR,
    "headcount": _nullable(INT), "regions": STR, "data_residency": STR, "description": STR,
    "contacts": {"type": "array", "items": _ref("Contact")},
    "certifications": {"type": "array", "items": _ref("Certification")},
    "integrations": {"type": "array", "items": _ref("Integration")},
    "archived": BOOL, "is_demo": BOOL, "created_at": DATETIME, "updated_at": DATETIME,
    "version": INT,
}, ["id", "name", "country", "sector", "website", "headcount", "regions", "data_residency",
    "description", "contacts", "certifications", "integrations", "archived", "is_demo",
    "created_at", "updated_at", "version"])

_OPTIONAL_CHOICE = {"type": "string"}
CASE_STUDY_INPUT_PROPS = {
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "year": _nullable({"type": "integer", "minimum": 1950, "maximum": 2100}),
    "client_sector": {"type": "string", "maxLength": 120},
    "org_size": {"type": "string", "enum": ["", *ORG_SIZES]},
    "regulatory_regime": {"type": "string", "maxLength": 200},
    "planned_months": _nullable({"type": "number", "minimum": 0, "maximum": 1200}),
    "actual_months": _nullable({"type": "number", "minimum": 0, "maximum": 1200}),
    "planned_budget": _nullable({"type": "number", "minimum": 0, "maximum": 1e15}),
    "actual_budget": _nullable({"type": "number", "minimum": 0, "maximum": 1e15}),
    "outcome": {"type": "string", "enum": ["", *OUTCOMES]},
    "summary": {"type": "string", "maxLength": 20000},
    "setbacks": {"type": "string", "maxLength": 20000},
    "response": {"type": "string", "maxLength": 20000},
    "lessons": {"type": "string", "maxLength": 20000},
    "reference_name": {"type": "string", "maxLength": 120},
    "reference_email": {"type": "string", "maxLength": 254,
                        "description": "Empty, or an email address."},
}
CASE_STUDY = _obj({
    "id": INT, "vendor_id": INT, "title": STR, "year": _nullable(INT), "client_sector": STR,
    "org_size": STR, "regulatory_regime": STR, "planned_months": _nullable(NUM),
    "actual_months": _nullable(NUM), "planned_budget": _nullable(NUM),
    "actual_budget": _nullable(NUM), "outcome": STR, "summary": STR, "setbacks": STR,
    "response": STR, "lessons": STR, "reference_name": STR, "reference_email": STR,
    "created_at": DATETIME, "version": INT,
}, ["id", "vendor_id", "title", "year", "client_sector", "org_size", "regulatory_regime",
    "planned_months", "actual_months", "planned_budget", "actual_budget", "outcome", "summary",
    "setbacks", "response", "lessons", "reference_name", "reference_email", "created_at",
    "version"])

STATUS = {"type": "string", "enum": ["draft", "scoring", "review", "decided"]}
MEMBER_ROLE = {"type": "string", "enum": ["lead", "evaluator", "observer"]}
EVALUATION_SUMMARY_PROPS = {
    "id": INT, "title": STR, "status": STATUS,
    "scale": _obj({"min": INT, "max": INT}, ["min", "max"]),
    "my_role": _nullable(MEMBER_ROLE), "decided": BOOL, "is_demo": BOOL,
    "created_at": DATETIME, "updated_at": DATETIME, "version": INT,
}
EVALUATION_SUMMARY = _obj(EVALUATION_SUMMARY_PROPS, list(EVALUATION_SUMMARY_PROPS))
EVALUATION_PROPS = {
    **EVALUATION_SUMMARY_PROPS,
    "program_context": STR,
    "criteria": {"type": "array", "items": _obj(
        {"id": INT, "key": STR, "name": STR, "description": STR, "weight": NUM,
         "knockout_below": _nullable(NUM)},
        ["id", "key", "name", "description", "weight", "knockout_below"])},
    "lenses": {"type": "array", "items": _obj(
        {"name": STR, "description": STR,
         "weights": {"type": "object", "additionalProperties": NUM}},
        ["name", "description", "weights"])},
    "vendors": {"type": "array", "items": _obj({"id": INT, "name": STR}, ["id", "name"])},
    "members": {"type": "array", "items": _obj(
        {"email": STR, "name": STR, "role": MEMBER_ROLE, "submitted": BOOL},
        ["email", "name", "role", "submitted"])},
}
EVALUATION = _obj(EVALUATION_PROPS, list(EVALUATION_PROPS))

SCORE = _obj({
    "id": INT, "evaluator": STR, "vendor_id": INT, "criterion": STR, "value": _nullable(NUM),
    "insufficient_evidence": BOOL, "rationale": STR,
    "evidence": {"type": "array", "items": _obj(
        {"type": {"type": "string", "enum": ["case_study", "answer"]}, "id": INT},
        ["type", "id"])},
    "submitted": BOOL, "updated_at": DATETIME,
    "moderated_value": _nullable(NUM), "moderation_reason": STR,
    "moderated_at": _nullable(DATETIME),
}, ["id", "evaluator", "vendor_id", "criterion", "value", "insufficient_evidence", "rationale",
    "evidence", "submitted", "updated_at", "moderated_value", "moderation_reason",
    "moderated_at"])

RANKING = {
    "type": "object",
    "description": "The ranking object, as printed by `flask ranking ID --json` (fields: "
                   "docs/scoring.md, 'JSON output'). Scores are 0-100.",
    "required": ["evaluation", "final", "submitted_evaluators", "expected_evaluators",
                 "process", "moderation", "lens", "scale", "criteria", "vendors", "winner",
                 "agreement_alpha", "sensitivity", "lenses", "consensus", "model"],
    "properties": {
        "evaluation": _obj({"id": INT, "title": STR}, ["id", "title"]),
        "final": {"type": "boolean", "description": "False while the result is interim: "
                  "scoring open (not every evaluator submitted and not closed by the lead) or "
                  "a moderation round open."},
        "submitted_evaluators": INT,
        "expected_evaluators": INT,
        "process": {"type": "object", "description": "status, final, counts, "
                    "missing_evaluators and closed_with_missing [{id, name}], qualifier."},
        "moderation": _nullable({"type": "object", "description": "The moderation round: "
                                 "state, changes, agreement_before/after, ranking_before."}),
        "lens": _nullable(STR),
        "scale": _obj({"min": INT, "max": INT}, ["min", "max"]),
        "criteria": {"type": "array", "items": {"type": "object"}},
        "vendors": {"type": "array", "items": {
            "type": "object", "required": ["id", "name"],
            "properties": {"id": INT, "name": STR,
                           "predicted_success": _nullable(NUM)}}},
        "winner": _nullable(INT),
        "agreement_alpha": _nullable(NUM),
        "sensitivity": {"type": "object"},
        "lenses": {"type": "array", "items": {"type": "object"}},
        "consensus": _nullable({"type": "object"}),
        "model": _nullable({"type": "object"}),
    },
}

DECISION = _obj({
    "evaluation_id": INT, "vendor": _obj({"id": INT, "name": STR}, ["id", "name"]),
    "rationale": STR, "dissent": STR, "decided_by": _nullable(STR), "decided_at": DATETIME,
    "snapshot_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
}, ["evaluation_id", "vendor", "rationale", "dissent", "decided_by", "decided_at",
    "snapshot_sha256"])
DECISION_INPUT = _obj({
    "vendor_id": {"type": "integer", "minimum": 1, "maximum": 2147483647,
                  "description": "A vendor on the shortlist."},
    "rationale": {"type": "string", "minLength": 20, "maxLength": 20000},
    "dissent": {"type": "string", "maxLength": 20000},
}, ["vendor_id", "rationale"])

OUTCOME_INPUT = _obj({
    "vendor": {"type": "string", "minLength": 1, "maxLength": 200},
    "program": {"type": "string", "minLength": 1, "maxLength": 200},
    "success": BOOL,
    "year": _nullable({"type": "integer", "minimum": 1950, "maximum": 2100}),
    "on_time": _nullable(BOOL), "on_budget": _nullable(BOOL),
    "notes": {"type": "string", "maxLength": 20000},
    "features": {"type": "object", "maxProperties": 100, "additionalProperties": NUM,
                 "description": "Pre-award features by name (docs/formats-outcomes.md)."},
}, ["vendor", "program", "success"])
OUTCOME = _obj({
    "id": INT, "vendor": STR, "vendor_id": _nullable(INT), "program": STR,
    "year": _nullable(INT), "success": BOOL, "on_time": _nullable(BOOL),
    "on_budget": _nullable(BOOL), "notes": STR,
    "features": {"type": "object", "additionalProperties": NUM},
    "evaluation_id": _nullable(INT),
}, ["id", "vendor", "vendor_id", "program", "year", "success", "on_time", "on_budget", "notes",
    "features", "evaluation_id"])

ERROR = _obj({"error": _obj({
    "code": {"type": "string", "description": "Stable, machine-readable reason."},
    "message": {"type": "string", "description": "For people."},
    "details": {"type": "array", "items": _obj(
        {"field": {"type": "string"}, "message": {"type": "string"}}, ["field", "message"])},
}, ["code", "message"])}, ["error"])

ME = _obj({
    "user": _obj({"id": INT, "email": STR, "name": STR,
                  "role": {"type": "string", "enum": ["admin", "lead", "evaluator", "viewer"]}},
                 ["id", "email", "name", "role"]),
    "token": _obj({"id": INT, "name": STR, "scope": {"type": "string",
                                                        "enum": ["read", "write"]},
                   "prefix": STR, "created_at": DATETIME,
                   "last_used_at": _nullable(DATETIME)},
                  ["id", "name", "scope", "prefix", "created_at", "last_used_at"]),
}, ["user", "token"])


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref("Error")}}}


def _json(schema: dict, description: str = "OK", *, etag: bool = False,
          location: bool = False) -> dict:
    out: dict[str, Any] = {"description": description,
                           "content": {"application/json": {"schema": schema}}}
    headers = {}
    if etag:
        headers["ETag"] = {"description": "Version tag for If-Match.", "schema": STR}
    if location:
        headers["Location"] = {"description": "URL of the created record.", "schema": STR}
    if headers:
        out["headers"] = headers
    return out


def _id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID_PARAM_SCHEMA}


def _query(name: str, schema: dict, description: str = "") -> dict:
    out = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        out["description"] = description
    return out


PAGING = [_query("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}),
          _query("per_page", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50})]
IF_MATCH = {"name": "If-Match", "in": "header", "required": True, "schema": STR,
            "description": "The ETag from the last GET (e.g. \"v3\"); 428 without (or with "
                           "\"*\"), 412 when the record has changed since."}

RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before the next call.",
                               "schema": INT}}
COMMON = {"401": _error("No, an unknown, or a revoked token."),
          "422": _error("A query parameter or the body was refused; nothing changed."),
          "429": {**_error("Too many calls with this token (API_LIMIT_PER_TOKEN)."),
                  "headers": RETRY_AFTER}}
WRITE = {**COMMON, "400": _error("The body cannot be read as JSON (syntax, not UTF-8, "
                                 "nested over 32 levels)."),
         "403": _error("Read-only token, or the user's role may not do this."),
         "415": _error("The body is not sent as application/json.")}


def _op(summary: str, responses: dict, *, params: list | None = None, body: dict | None = None,
        tag: str, op_id: str, base: dict | None = None) -> dict:
    out: dict[str, Any] = {"summary": summary, "operationId": op_id, "tags": [tag],
                           "responses": {**(base if base is not None else COMMON), **responses}}
    if params:
        out["parameters"] = params
    if body:
        out["requestBody"] = {"required": True,
                              "content": {"application/json": {"schema": body}}}
    return out


PATHS: dict[str, Any] = {
    "/me": {"get": _op("The token's user and the token itself",
                       {"200": _json(_ref("Me"))}, tag="tokens", op_id="getMe")},
    "/vendors": {
        "get": _op("List vendors (paged, filtered)", {"200": _json(_page_of("Vendor"))},
                   params=[*PAGING,
                           _query("q", {"type": "string", "maxLength": 200},
                                  "Text in the name or description (ignoring case)."),
                           _query("country", {"type": "string", "maxLength": 200}),
                           _query("sector", {"type": "string", "maxLength": 200}),
                           _query("certification", {"type": "string", "maxLength": 200},
                                  "Vendors holding a certification of this exact name."),
                           _query("include_archived", {"type": "boolean", "default": False})],
                   tag="vendors", op_id="listVendors"),
        "post": _op("Create a vendor (write scope; procurement lead or admin)",
                    {"201": _json(_ref("Vendor"), "Created", etag=True, location=True),
                     "409": _error("A vendor of that name exists.")},
                    body=_ref("VendorCreate"), tag="vendors", op_id="createVendor", base=WRITE),
    },
    "/vendors/{vendor_id}": {
        "get": _op("A vendor", {"200": _json(_ref("Vendor"), etag=True),
                                "404": _error("No such vendor.")},
                   params=[_id("vendor_id")], tag="vendors", op_id="getVendor"),
        "patch": _op("Change a vendor's fields (those given; lists replace the whole list)",
                     {"200": _json(_ref("Vendor"), etag=True),
                      "404": _error("No such vendor."),
                      "409": _error("A vendor of that name exists."),
                      "412": _error("If-Match does not name the current version."),
                      "428": _error("If-Match is missing.")},
                     params=[_id("vendor_id"), IF_MATCH], body=_ref("VendorUpdate"),
                     tag="vendors", op_id="updateVendor", base=WRITE),
    },
    "/vendors/{vendor_id}/case-studies": {
        "get": _op("A vendor's case studies (paged)",
                   {"200": _json(_page_of("CaseStudy")), "404": _error("No such vendor.")},
                   params=[_id("vendor_id"), *PAGING,
                           _query("outcome", {"type": "string", "enum": list(OUTCOMES)})],
                   tag="case studies", op_id="listCaseStudies"),
        "post": _op("Add a case study to a vendor (write scope; lead or admin)",
                    {"201": _json(_ref("CaseStudy"), "Created", etag=True, location=True),
                     "404": _error("No such vendor."),
                     "409": _error("The vendor has a case study of that title.")},
                    params=[_id("vendor_id")], body=_ref("CaseStudyCreate"),
                    tag="case studies", op_id="createCaseStudy", base=WRITE),
    },
    "/case-studies/{case_study_id}": {
        "get": _op("A case study", {"200": _json(_ref("CaseStudy"), etag=True),
                                    "404": _error("No such case study.")},
                   params=[_id("case_study_id")], tag="case studies", op_id="getCaseStudy"),
        "patch": _op("Change a case study's fields (those given)",
                     {"200": _json(_ref("CaseStudy"), etag=True),
                      "404": _error("No such case study."),
                      "409": _error("The vendor has a case study of that title."),
                      "412": _error("If-Match does not name the current version."),
                      "428": _error("If-Match is missing.")},
                     params=[_id("case_study_id"), IF_MATCH], body=_ref("CaseStudyUpdate"),
                     tag="case studies", op_id="updateCaseStudy", base=WRITE),
    },
    "/evaluations": {
        "get": _op("Evaluations the token's user may see (member, or all for an admin)",
                   {"200": _json(_page_of("EvaluationSummary"))},
                   params=[*PAGING, _query("status", STATUS)],
                   tag="evaluations", op_id="listEvaluations"),
    },
    "/evaluations/{evaluation_id}": {
        "get": _op("An evaluation (404 unless a member or admin)",
                   {"200": _json(_ref("Evaluation"), etag=True),
                    "404": _error("No such evaluation, or not a member.")},
                   params=[_id("evaluation_id")], tag="evaluations", op_id="getEvaluation"),
    },
    "/evaluations/{evaluation_id}/scores": {
        "get": _op("The scores the user may see: its own, and the others' submitted scores once "
                   "it may see them (never another evaluator's draft)",
                   {"200": _json(_obj({"blind": BOOL, "final": BOOL,
                                       "items": {"type": "array", "items": _ref("Score")}},
                                      ["blind", "final", "items"])),
                    "404": _error("No such evaluation, or not a member.")},
                   params=[_id("evaluation_id")], tag="evaluations", op_id="listScores"),
    },
    "/evaluations/{evaluation_id}/ranking": {
        "get": _op("The ranking object (as `flask ranking --json`), optionally under a lens",
                   {"200": _json(_ref("Ranking")),
                    "403": _error("Blind: an evaluator who has not submitted yet."),
                    "404": _error("No such evaluation, or not a member."),
                    "409": _error("Cannot be ranked yet (e.g. no criteria).")},
                   params=[_id("evaluation_id"),
                           _query("lens", {"type": "string", "maxLength": 80},
                                  "A stakeholder lens of the evaluation.")],
                   tag="evaluations", op_id="getRanking"),
    },
    "/evaluations/{evaluation_id}/decision": {
        "get": _op("The recorded decision",
                   {"200": _json(_ref("Decision")),
                    "404": _error("No such evaluation, not a member, or no decision yet "
                                  "(code no_decision).")},
                   params=[_id("evaluation_id")], tag="evaluations", op_id="getDecision"),
        "post": _op("Record the decision (write scope; the lead, a steering observer or an "
                    "admin; the evaluation must be in review). If-Match: the evaluation's ETag.",
                    {"201": _json(_ref("Decision"), "Created", etag=True, location=True),
                     "404": _error("No such evaluation, or not a member."),
                     "409": _error("The evaluation is not in review, or is already decided "
                                   "(code decided: it is frozen)."),
                     "412": _error("The evaluation changed since it was read."),
                     "428": _error("If-Match is missing.")},
                    params=[_id("evaluation_id"), IF_MATCH], body=_ref("DecisionCreate"),
                    tag="evaluations", op_id="recordDecision", base=WRITE),
    },
    "/outcomes": {
        "post": _op("Record a past program's outcome (write scope; lead or admin)",
                    {"201": _json(_ref("Outcome"), "Created")},
                    body=_ref("OutcomeCreate"), tag="outcomes", op_id="createOutcome",
                    base=WRITE),
    },
}

SCHEMAS = {
    "Error": ERROR, "Me": ME, "Contact": CONTACT, "Certification": CERTIFICATION,
    "Integration": INTEGRATION, "Vendor": VENDOR,
    "VendorCreate": _obj(VENDOR_INPUT_PROPS, ["name"]),
    "VendorUpdate": _obj(VENDOR_INPUT_PROPS),
    "CaseStudy": CASE_STUDY,
    "CaseStudyCreate": _obj(CASE_STUDY_INPUT_PROPS, ["title"]),
    "CaseStudyUpdate": _obj(CASE_STUDY_INPUT_PROPS),
    "EvaluationSummary": EVALUATION_SUMMARY, "Evaluation": EVALUATION, "Score": SCORE,
    "Ranking": RANKING, "Decision": DECISION, "DecisionCreate": DECISION_INPUT,
    "Outcome": OUTCOME, "OutcomeCreate": OUTCOME_INPUT,
}


def openapi_document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Evaluator API", "version": "1.0.0",
            "description": "Vendors, case studies, evaluations, rankings, decisions and past "
                           "program outcomes. Authenticate with a personal token: "
                           "'Authorization: Bearer evk_...'. Guide: docs/integration.md.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "paths": deepcopy(PATHS),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A personal API token."}},
            "schemas": deepcopy(SCHEMAS),
        },
    }
