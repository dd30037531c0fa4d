"""The JSON API under /api/v1 (document: /api/v1/openapi.json, guide: docs/integration.md).

Authentication is a personal bearer token on every call, never the session cookie: the central
session check skips this blueprint (auth.require_login) and `authenticate` below runs instead,
so a browser's cookie alone gets 401 and CSRF does not apply. The token's user then goes through
the same rules as the pages: access.evaluation_for (non-members get 404), role_required for
register edits, the blind rule of scoring_entry. Errors are {"error": {"code", "message",
"details"?}}. Single records carry an ETag ("v<version>"); updates need If-Match (428 without,
412 when stale).

Over 400 lines on purpose: every /api/v1 route with its error mapping in one place, matching
openapi.py entry for entry; parsing lives in payloads.py and JSON shapes in reads.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, g, jsonify, request, url_for
from flask_login import current_user

from .. import scoring
from ..access import evaluation_for, role_required
from ..extensions import db, limiter
from ..models import CaseStudy, Evaluation, MemberRole, Role, Status, Vendor
from ..security import api_token_key
from ..services import api_tokens, json_check, scoring_entry
from ..services import decisions as decision_service
from ..services import dossier as dossier_service
from ..services import evaluations as evaluation_service
from ..services import ranking as ranking_service
from ..services import vendors as vendor_service
from ..services.errors import WorkflowError
from ..services.ranking import ranking_for
from ..web import settings
from . import bp
from . import outcomes as api_outcomes
from . import payloads as api_payloads
from . import reads as api_reads
from .openapi import openapi_document

#: Endpoints of this blueprint that need no token (the API description itself).
PUBLIC_API_ENDPOINTS = {"api.openapi"}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
ID = "int(max=2147483647)"  # ids beyond 32 bits cannot exist; refuse them at routing (404)
TOO_MANY_CALLS = ("Too many API calls with this token (API_LIMIT_PER_TOKEN); wait the number of "
                  "seconds in Retry-After and try again.")

# One allowance per token, shared by every endpoint of the API (calls without a token count per
# address); 429 with Retry-After when it is spent.
limiter.shared_limit(lambda: current_app.config["API_LIMIT_PER_TOKEN"], scope="api",
                     key_func=api_token_key, error_message=TOO_MANY_CALLS)(bp)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list | None = None,
                 headers: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details, headers or {}


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    db.session.rollback()
    body: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.details is not None:
        body["details"] = exc.details
    return jsonify(error=body), exc.status, exc.headers


@bp.errorhandler(api_payloads.PayloadError)
def _payload_error(exc: api_payloads.PayloadError):
    db.session.rollback()
    return jsonify(error={"code": "validation_failed",
                          "message": "The request body was refused; nothing was saved.",
                          "details": [e.to_dict() for e in exc.errors]}), 422


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_API_ENDPOINTS:
        return None
    challenge = {"WWW-Authenticate": 'Bearer realm="evaluator"'}
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "unauthorized", "Send a personal API token: 'Authorization: Bearer "
                       "<token>' (create one on Settings -> API tokens).", headers=challenge)
    token = api_tokens.authenticate(db.session, secret.strip())
    if token is None:
        raise ApiError(401, "invalid_token", "The token is unknown, revoked, or its user is "
                       "deactivated.", headers=challenge)
    # Flask-Login's current_user for this request only: whatever the session cookie says is
    # replaced, and the session is never written from here.
    g._login_user = token.user
    g.api_token = token
    if request.method not in READ_METHODS and not token.can_write:
        raise ApiError(403, "insufficient_scope", "This token is read-only; create a token with "
                       "the 'write' scope to change data.")
    return None


@bp.after_request
def _no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# ----------------------------------------------------------------------------- helpers


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite hands back naive UTC
            value = value.replace(tzinfo=UTC)
        return value.isoformat()
    return value.isoformat()


def _etag(record) -> str:
    return f"v{record.version}"


def _with_etag(payload: dict, record, status: int = 200, headers: dict | None = None):
    response = jsonify(payload)
    response.status_code = status
    response.set_etag(_etag(record))
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _require_if_match(record) -> None:
    """428 when the client sent no If-Match (or "*", which names no version), 412 when it
    names another version."""
    if not request.headers.get("If-Match") or request.if_match.star_tag:
        raise ApiError(428, "precondition_required", "Send If-Match with the ETag you read "
                       "(GET the record first; \"*\" names no version): updates are refused "
                       "without it, so no one overwrites a change they have not seen.")
    if not request.if_match.contains(_etag(record)):
        raise ApiError(412, "precondition_failed", "The record changed since you read it "
                       f"(its ETag is now \"{_etag(record)}\"). GET it again, re-apply your "
                       "change and retry.", headers={"ETag": f'"{_etag(record)}"'})


def _body() -> Any:
    """The JSON body: sent as application/json (415 otherwise), UTF-8 and at most
    MAX_JSON_DEPTH deep (400); read so that the payload checker sees repeated keys and
    NaN/Infinity and refuses them by path (422)."""
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type", "Send the body as JSON with "
                       "'Content-Type: application/json'.")
    try:
        return json_check.read(request.get_data(cache=True))
    except json_check.JsonSyntaxError as exc:
        raise ApiError(400, "invalid_json", str(exc)) from None


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(422, "validation_failed", f"'{name}' must be a whole number from {low} "
                       f"to {high}.", details=[{"field": name, "message": "out of range"}])
    return int(raw)


def _bool_arg(name: str) -> bool:
    raw = (request.args.get(name) or "false").lower()
    if raw not in {"true", "false", "1", "0"}:
        raise ApiError(422, "validation_failed", f"'{name}' must be true or false.",
                       details=[{"field": name, "message": "not a boolean"}])
    return raw in {"true", "1"}


def _choice_arg(name: str, options: tuple[str, ...]) -> str:
    raw = request.args.get(name) or ""
    if raw and raw not in options:
        raise ApiError(422, "validation_failed", f"'{name}' must be one of: "
                       f"{', '.join(options)}.", details=[{"field": name, "message": "unknown"}])
    return raw


def _text_arg(name: str, max_length: int = 200) -> str:
    raw = (request.args.get(name) or "").strip()
    if len(raw) > max_length or "\x00" in raw:
        raise ApiError(422, "validation_failed", f"'{name}' is too long (at most {max_length} "
                       "characters).", details=[{"field": name, "message": "too long"}])
    return raw


def _paging() -> tuple[int, int]:
    return (_int_arg("page", 1, 1, 1_000_000),
            _int_arg("per_page", 50, 1, api_reads.MAX_PER_PAGE))


def _page_json(page: api_reads.Page, items: list) -> dict:
    return {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total,
            "pages": page.pages}


def _not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"No such {what}.")


# ----------------------------------------------------------------------- representations


def vendor_json(v: Vendor) -> dict:
    return {
        "id": v.id, "name": v.name, "country": v.country, "sector": v.sector,
        "website": v.website, "headcount": v.headcount, "regions": v.regions,
        "data_residency": v.data_residency, "description": v.description,
        "contacts": [{"name": c.name, "email": c.email, "phone": c.phone, "title": c.title}
                     for c in v.contacts],
        "certifications": [{"name": c.name, "expires_on": _iso(c.expires_on),
                            "issuer": c.issuer} for c in v.certifications],
        "integrations": [{"kind": i.kind, "product": i.product, "notes": i.notes}
                         for i in v.integrations],
        "archived": v.archived_at is not None, "is_demo": bool(v.is_demo),
        "created_at": _iso(v.created_at), "updated_at": _iso(v.updated_at),
        "version": v.version,
    }


def case_study_json(cs: CaseStudy) -> dict:
    out = {"id": cs.id, "vendor_id": cs.vendor_id}
    out.update({name: getattr(cs, name) for name in dossier_service.CASE_STUDY_FIELDS})
    out.update({"created_at": _iso(cs.created_at), "version": cs.version})
    return out


def _member_role(evaluation: Evaluation, user) -> str | None:
    for m in evaluation.members:
        if m.user_id == user.id:
            return m.role
    return None


def evaluation_summary(e: Evaluation, user) -> dict:
    return {
        "id": e.id, "title": e.title, "status": e.status,
        "scale": {"min": e.scale_min, "max": e.scale_max},
        "my_role": _member_role(e, user), "decided": e.decision is not None,
        "is_demo": bool(e.is_demo), "created_at": _iso(e.created_at),
        "updated_at": _iso(e.updated_at), "version": e.version,
    }


def evaluation_json(e: Evaluation, user) -> dict:
    out = evaluation_summary(e, user)
    out.update({
        "program_context": e.program_context,
        "criteria": [{"id": c.id, "key": c.key, "name": c.name, "description": c.description,
                      "weight": c.weight, "knockout_below": c.knockout_below}
                     for c in e.criteria],
        "lenses": [{"name": lens.name, "description": lens.description,
                    "weights": dict(lens.weights or {})} for lens in e.lenses],
        "vendors": [{"id": s.vendor_id, "name": s.vendor.name} for s in e.shortlist],
        "members": [{"email": m.user.email, "name": m.user.name, "role": m.role,
                     "submitted": m.submitted_at is not None} for m in e.members],
    })
    return out


def decision_json(e: Evaluation) -> dict:
    d = e.decision
    return {
        "evaluation_id": e.id, "vendor": {"id": d.vendor_id, "name": d.vendor.name},
        "rationale": d.rationale, "dissent": d.dissent,
        "decided_by": d.decided_by.email if d.decided_by else None,
        "decided_at": _iso(d.decided_at), "snapshot_sha256": d.snapshot_sha256,
    }


def score_json(s, criterion_key: dict[int, str], emails: dict[int, str]) -> dict:
    return {
        "id": s.id, "evaluator": emails.get(s.evaluator_id, str(s.evaluator_id)),
        "vendor_id": s.vendor_id, "criterion": criterion_key.get(s.criterion_id, ""),
        "value": s.value, "insufficient_evidence": bool(s.insufficient_evidence),
        "rationale": s.rationale, "evidence": [{"type": x["type"], "id": x["id"]}
                                               for x in (s.evidence or [])],
        "submitted": bool(s.submitted), "updated_at": _iso(s.updated_at),
        "moderated_value": s.moderated_value, "moderation_reason": s.moderation_reason or "",
        "moderated_at": _iso(s.moderated_at),
    }


# ------------------------------------------------------------------------------ routes


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document(request.host_url.rstrip("/") + bp.url_prefix))


@bp.route("/me")
def me():
    token = g.api_token
    return jsonify({
        "user": {"id": current_user.id, "email": current_user.email,
                 "name": current_user.name, "role": current_user.role},
        "token": {"id": token.id, "name": token.name, "scope": token.scope,
                  "prefix": token.prefix, "created_at": _iso(token.created_at),
                  "last_used_at": _iso(token.last_used_at)},
    })


# vendors --------------------------------------------------------------------------------


@bp.route("/vendors")
def list_vendors():
    page, per_page = _paging()
    flt = vendor_service.VendorFilter(
        q=_text_arg("q"), country=_text_arg("country"), sector=_text_arg("sector"),
        certification=_text_arg("certification"),
        include_archived=_bool_arg("include_archived"))
    result = api_reads.vendors_page(db.session, flt, page, per_page)
    return jsonify(_page_json(result, [vendor_json(v) for v in result.items]))


@bp.route(f"/vendors/<{ID}:vendor_id>")
def get_vendor(vendor_id: int):
    vendor = api_reads.vendor(db.session, vendor_id) or _raise(_not_found("vendor"))
    return _with_etag(vendor_json(vendor), vendor)


@bp.route("/vendors", methods=["POST"])
@role_required(Role.LEAD)
def create_vendor():
    fields = api_payloads.vendor_fields(_body(), partial=False)
    try:
        vendor = vendor_service.create_vendor(db.session, api_payloads.vendor_record(fields))
    except vendor_service.DossierError as exc:
        raise ApiError(409, "duplicate", str(exc),
                       details=[{"field": exc.field or "", "message": str(exc)}]) from None
    vendor = api_reads.vendor(db.session, vendor.id)
    return _with_etag(vendor_json(vendor), vendor, 201, {
        "Location": url_for("api.get_vendor", vendor_id=vendor.id)})


@bp.route(f"/vendors/<{ID}:vendor_id>", methods=["PATCH"])
@role_required(Role.LEAD)
def update_vendor(vendor_id: int):
    vendor = api_reads.vendor(db.session, vendor_id) or _raise(_not_found("vendor"))
    _require_if_match(vendor)
    fields = api_payloads.vendor_fields(_body(), partial=True)
    record = api_payloads.vendor_record(fields, vendor_service.vendor_data(vendor))
    try:
        vendor_service.update_vendor(db.session, vendor_id, record, vendor.version)
    except vendor_service.StaleEdit:
        raise ApiError(412, "precondition_failed", "The record changed while your update was "
                       "being saved. GET it again and retry.") from None
    except vendor_service.DossierError as exc:
        raise ApiError(409, "duplicate", str(exc),
                       details=[{"field": exc.field or "", "message": str(exc)}]) from None
    db.session.expire_all()
    vendor = api_reads.vendor(db.session, vendor_id)
    return _with_etag(vendor_json(vendor), vendor)


# case studies ---------------------------------------------------------------------------


@bp.route(f"/vendors/<{ID}:vendor_id>/case-studies")
def list_case_studies(vendor_id: int):
    if db.session.get(Vendor, vendor_id) is None:
        raise _not_found("vendor")
    page, per_page = _paging()
    outcome = _choice_arg("outcome", dossier_service.OUTCOMES)
    result = api_reads.case_studies_page(db.session, vendor_id, page, per_page, outcome)
    return jsonify(_page_json(result, [case_study_json(cs) for cs in result.items]))


@bp.route(f"/vendors/<{ID}:vendor_id>/case-studies", methods=["POST"])
@role_required(Role.LEAD)
def create_case_study(vendor_id: int):
    if db.session.get(Vendor, vendor_id) is None:
        raise _not_found("vendor")
    fields = api_payloads.case_study_fields(_body(), partial=False)
    try:
        cs = dossier_service.create_case_study(db.session, vendor_id,
                                               api_payloads.case_study_record(fields))
    except vendor_service.DossierError as exc:
        raise ApiError(409, "duplicate", str(exc),
                       details=[{"field": exc.field or "", "message": str(exc)}]) from None
    return _with_etag(case_study_json(cs), cs, 201, {
        "Location": url_for("api.get_case_study", case_study_id=cs.id)})


@bp.route(f"/case-studies/<{ID}:case_study_id>")
def get_case_study(case_study_id: int):
    cs = db.session.get(CaseStudy, case_study_id) or _raise(_not_found("case study"))
    return _with_etag(case_study_json(cs), cs)


@bp.route(f"/case-studies/<{ID}:case_study_id>", methods=["PATCH"])
@role_required(Role.LEAD)
def update_case_study(case_study_id: int):
    cs = db.session.get(CaseStudy, case_study_id) or _raise(_not_found("case study"))
    _require_if_match(cs)
    fields = api_payloads.case_study_fields(_body(), partial=True)
    record = api_payloads.case_study_record(fields, dossier_service.case_study_data(cs))
    try:
        cs = dossier_service.update_case_study(db.session, cs.vendor_id, cs.id, record,
                                               cs.version)
    except vendor_service.StaleEdit:
        raise ApiError(412, "precondition_failed", "The record changed while your update was "
                       "being saved. GET it again and retry.") from None
    except vendor_service.DossierError as exc:
        raise ApiError(409, "duplicate", str(exc),
                       details=[{"field": exc.field or "", "message": str(exc)}]) from None
    return _with_etag(case_study_json(cs), cs)


# evaluations ----------------------------------------------------------------------------


def _load_evaluation(evaluation_id: int, *member_roles: MemberRole):
    """access.evaluation_for (404 for non-members, 403 for the wrong member role), then the
    evaluation with what its JSON shows."""
    evaluation, membership = evaluation_for(db.session, current_user, evaluation_id,
                                            member_roles=member_roles)
    return evaluation_service.load_detail(db.session, evaluation.id), membership


@bp.route("/evaluations")
def list_evaluations():
    page, per_page = _paging()
    status = _choice_arg("status", tuple(s.value for s in Status))
    result = api_reads.evaluations_page(db.session, current_user, page, per_page, status)
    return jsonify(_page_json(result, [evaluation_summary(e, current_user)
                                       for e in result.items]))


@bp.route(f"/evaluations/<{ID}:evaluation_id>")
def get_evaluation(evaluation_id: int):
    evaluation, _ = _load_evaluation(evaluation_id)
    return _with_etag(evaluation_json(evaluation, current_user), evaluation)


@bp.route(f"/evaluations/<{ID}:evaluation_id>/scores")
def list_scores(evaluation_id: int):
    evaluation, membership = _load_evaluation(evaluation_id)
    blind = not scoring_entry.can_see_all_scores(current_user, membership)
    scores = scoring_entry.visible_scores(db.session, evaluation, current_user, membership)
    keys = {c.id: c.key for c in evaluation.criteria}
    emails = {m.user_id: m.user.email for m in evaluation.members}
    if current_user.id not in emails:
        emails[current_user.id] = current_user.email
    return jsonify({"blind": blind, "final": ranking_service.process_of(evaluation)["final"],
                    "items": [score_json(s, keys, emails) for s in scores]})


@bp.route(f"/evaluations/<{ID}:evaluation_id>/ranking")
def get_ranking(evaluation_id: int):
    evaluation, membership = _load_evaluation(evaluation_id)
    if not scoring_entry.can_see_all_scores(current_user, membership):
        raise ApiError(403, "blind", "Scoring is blind: submit your own scores first, then the "
                       "ranking opens.")
    lens = _text_arg("lens", 80) or None
    try:
        ranking = ranking_for(db.session, evaluation, lens=lens,
                              sampling=settings.sampling()).ranking
    except scoring.InvalidLens as exc:
        raise ApiError(422, "unknown_lens", str(exc),
                       details=[{"field": "lens", "message": str(exc)}]) from None
    except scoring.ScoringError as exc:
        raise ApiError(409, "not_rankable", f"The evaluation cannot be ranked yet: {exc}") \
            from None
    return jsonify(ranking)


@bp.route(f"/evaluations/<{ID}:evaluation_id>/decision")
def get_decision(evaluation_id: int):
    evaluation, _ = _load_evaluation(evaluation_id)
    if evaluation.decision is None:
        raise ApiError(404, "no_decision", "No decision has been recorded for this evaluation.")
    return jsonify(decision_json(evaluation))


@bp.route(f"/evaluations/<{ID}:evaluation_id>/decision", methods=["POST"])
def record_decision(evaluation_id: int):
    evaluation, membership = _load_evaluation(evaluation_id, MemberRole.LEAD,
                                              MemberRole.OBSERVER)
    if evaluation.status == Status.DECIDED:
        raise ApiError(409, "decided", evaluation_service.decided_message(evaluation))
    _require_if_match(evaluation)
    item = api_payloads.decision_input(_body())
    if evaluation.status != Status.REVIEW:
        raise ApiError(409, "wrong_status", "A decision can be recorded only when the "
                       f"evaluation is in review (it is {evaluation.status}).")
    try:
        decision_service.record_decision(
            db.session, evaluation, current_user, membership, vendor_id=item.vendor_id,
            rationale=item.rationale, dissent=item.dissent, sampling=settings.sampling())
    except (WorkflowError, scoring.ScoringError) as exc:
        raise ApiError(422, "refused", str(exc)) from None
    evaluation, _ = _load_evaluation(evaluation_id)
    return _with_etag(decision_json(evaluation), evaluation, 201, {
        "Location": url_for("api.get_decision", evaluation_id=evaluation_id)})


# outcomes -------------------------------------------------------------------------------


@bp.route("/outcomes", methods=["POST"])
@role_required(Role.LEAD)
def create_outcome():
    item = api_payloads.outcome_input(_body())
    program = api_outcomes.create_outcome(db.session, item)
    return jsonify(api_outcomes.program_json(program)), 201


def _raise(exc: Exception):
    raise exc
