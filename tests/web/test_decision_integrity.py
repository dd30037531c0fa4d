"""Decision integrity (issue 18): interim results say so everywhere, submitted scores stay
independent (moderation keeps both), drafts stay private in every output, a decided evaluation
is frozen, roles follow the user, evidence is required, conflicts are attested first.

Each test drives the app through its routes (or the CLI) and re-reads the database.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from flask import url_for
from pypdf import PdfReader
from sqlalchemy import func, select

from evaluator.api.openapi import openapi_document
from evaluator.evaluations.routes import WRITES_WHEN_DECIDED
from evaluator.extensions import db
from evaluator.models import (
    AuditEvent,
    Conflict,
    Decision,
    Evaluation,
    Lens,
    MemberRole,
    Membership,
    Role,
    Score,
    Status,
    User,
)
from evaluator.services import api_tokens
from evaluator.services import conflicts as conflict_service
from evaluator.services import decisions as decision_service
from evaluator.services import moderation as moderation_service
from evaluator.services import setup as setup_service
from evaluator.services import users as user_service
from evaluator.services.demo import seed_demo
from tests.conftest import csrf_token, login, make_user, post
from tests.pdf.conftest import pdf_text
from tests.web.test_unit_of_work import CommitFailed, _failing_commit, database_state

DEMO_PASSWORD = "demo-password-2026"
DRAFT_MARKER = "tom-private-draft-7f3a"


@pytest.fixture
def demo(app):
    """Demo data: evaluation 1 in review (ana, raj, mei submitted), evaluation 2 in scoring
    (ana submitted; tom has drafts, one rationale carrying DRAFT_MARKER)."""
    app.config["ROBUSTNESS_SAMPLES"] = 300
    seed_demo(db.session)
    review, scoring = db.session.scalars(select(Evaluation).order_by(Evaluation.id)).all()
    tom = _user("tom@example.com")
    draft = db.session.scalars(select(Score).where(
        Score.evaluation_id == scoring.id, Score.evaluator_id == tom.id)).first()
    draft.rationale = f"{DRAFT_MARKER} not for anyone else"
    draft.value = 2.0
    draft.insufficient_evidence = False
    db.session.commit()
    return review, scoring


def _user(email) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _as(client, email):
    if client.get("/").status_code == 200:  # logged in: log out first
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, email, DEMO_PASSWORD).status_code == 302


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _scores_state(evaluation_id):
    return sorted(
        (s.id, s.value, s.insufficient_evidence, s.submitted, s.moderated_value, s.rationale)
        for s in db.session.scalars(select(Score).where(Score.evaluation_id == evaluation_id)))


# ------------------------------------------------------------------ 1. interim never final


def test_interim_memo_json_cli_and_page_say_interim_until_scoring_is_closed(app, client, demo):
    _, scoring = demo
    _as(client, "lead@example.com")
    response = client.get(f"/evaluations/{scoring.id}/memo.pdf")
    assert response.status_code == 200
    pages = PdfReader(io.BytesIO(response.data)).pages
    assert len(pages) > 1
    for number, page in enumerate(pages, 1):
        text = " ".join((page.extract_text() or "").split())
        assert "DRAFT - NOT FOR DECISION" in text, f"page {number} has no watermark"
    text = pdf_text(response.data)
    assert "Currently leading:" in text and "award to" not in text.lower()
    assert "1 of 2 evaluators submitted" in text and "not submitted: tom" in text.lower()

    ranking = client.get(f"/evaluations/{scoring.id}/ranking.json").get_json()
    assert ranking["final"] is False
    assert (ranking["submitted_evaluators"], ranking["expected_evaluators"]) == (1, 2)
    page = client.get(f"/evaluations/{scoring.id}/compare").get_data(as_text=True)
    assert "Interim result, not a decision." in page and "1 of 2 evaluators submitted" in page
    cli = app.test_cli_runner().invoke(args=["ranking", str(scoring.id), "--json"])
    assert cli.exit_code == 0 and json.loads(cli.output)["final"] is False

    # Closing without tom needs the explicit confirmation, then records him by name.
    refused = post(client, f"/evaluations/{scoring.id}/status", {"target": "review"})
    assert refused.status_code == 302
    db.session.expire_all()
    assert db.session.get(Evaluation, scoring.id).status == Status.SCORING
    post(client, f"/evaluations/{scoring.id}/status", {"target": "review", "allow_missing": "y"})
    db.session.expire_all()
    closed = db.session.get(Evaluation, scoring.id)
    assert closed.status == Status.REVIEW
    assert [m["name"] for m in closed.closed_missing] == [_user("tom@example.com").display_name]
    cli = app.test_cli_runner().invoke(args=["ranking", str(scoring.id), "--json"])
    final = json.loads(cli.output)
    assert final["final"] is True
    assert [m["name"] for m in final["process"]["closed_with_missing"]] == ["Tom Becker"] or \
        final["process"]["closed_with_missing"][0]["id"] == _user("tom@example.com").id
    text = pdf_text(client.get(f"/evaluations/{scoring.id}/memo.pdf").data)
    assert "DRAFT - NOT FOR DECISION" not in text
    assert "Recommendation: award to" in text or "No clear winner" in text


# ----------------------------------------------------- 2. independent, then moderated


def _open_moderation(client, evaluation_id):
    r = post(client, f"/evaluations/{evaluation_id}/status", {"target": "moderation"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Evaluation, evaluation_id).status == Status.MODERATION


def test_submitted_score_is_locked_and_changes_only_in_moderation_with_a_reason(client, demo):
    review, _ = demo
    ana = _user("ana@example.com")
    mine = db.session.scalars(select(Score).where(
        Score.evaluation_id == review.id, Score.evaluator_id == ana.id)).first()
    db.session.get(Evaluation, review.id).status = Status.SCORING.value  # scoring still open
    db.session.commit()
    before = _scores_state(review.id)
    _as(client, "ana@example.com")
    url = f"/evaluations/{review.id}/score?vendor={mine.vendor_id}"
    form = {"rows-0-criterion_id": mine.criterion_id, "rows-0-vendor_id": mine.vendor_id,
            "rows-0-version": mine.version, "rows-0-value": "1", "rows-0-rationale": "changed"}
    response = post(client, url, form, token_from=url)
    assert response.status_code == 400
    assert "submitted and locked" in response.get_data(as_text=True)
    auto = post(client, f"/evaluations/{review.id}/score/autosave?vendor={mine.vendor_id}",
                form, token_from=url)
    assert auto.status_code == 400 and "locked" in auto.get_json()["error"]["message"]
    assert _scores_state(review.id) == before

    db.session.get(Evaluation, review.id).status = Status.REVIEW.value
    db.session.commit()
    # Outside a moderation round the moderation form is refused too.
    refused = post(client, f"/evaluations/{review.id}/moderation", {
        "score_id": mine.id, "version": mine.version, "value": "1.0",
        "reason": "Panel agreed after discussion."},
        token_from=f"/evaluations/{review.id}/moderation")
    assert refused.status_code == 400 and "moderation round" in refused.get_data(as_text=True)
    assert _scores_state(review.id) == before

    _as(client, "lead@example.com")
    _open_moderation(client, review.id)
    _as(client, "ana@example.com")
    page = f"/evaluations/{review.id}/moderation"
    no_reason = post(client, page, {"score_id": mine.id, "version": mine.version,
                                    "value": "1.0", "reason": "short"}, token_from=page)
    assert no_reason.status_code == 400 and "reason" in no_reason.get_data(as_text=True)
    raj = _user("raj@example.com")
    theirs = db.session.scalars(select(Score).where(
        Score.evaluation_id == review.id, Score.evaluator_id == raj.id)).first()
    not_mine = post(client, page, {"score_id": theirs.id, "version": theirs.version,
                                   "value": "1.0", "reason": "I think raj is wrong here."},
                    token_from=page)
    assert not_mine.status_code == 400 and "only your own" in not_mine.get_data(as_text=True)
    assert _scores_state(review.id) == before

    independent = mine.value
    new_value = 1.0 if independent != 1.0 else 5.0
    ok = post(client, page, {"score_id": mine.id, "version": mine.version,
                             "value": str(new_value),
                             "reason": "Consensus meeting: the case study shows no recovery."},
              token_from=page)
    assert ok.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Score, mine.id)
    assert stored.value == independent  # the independent score is never overwritten
    assert stored.moderated_value == new_value and stored.moderated_by_id == ana.id
    assert stored.moderation_reason.startswith("Consensus meeting")

    _as(client, "lead@example.com")
    ranking = client.get(f"/evaluations/{review.id}/ranking.json").get_json()
    assert ranking["final"] is False  # a moderation round is open
    change = ranking["moderation"]["changes"][0]
    assert (change["score_id"], change["independent"], change["moderated"]) == (
        mine.id, independent, new_value)
    assert change["evaluator"] == ana.display_name and change["by"] == ana.display_name
    compare = client.get(f"/evaluations/{review.id}/compare").get_data(as_text=True)
    assert "Independent and moderated scores" in compare and "Consensus meeting" in compare
    # A decision waits for the round to close; then the snapshot covers both values.
    r = post(client, f"/evaluations/{review.id}/status", {"target": "review"})
    assert r.status_code == 302
    db.session.expire_all()
    evaluation = db.session.get(Evaluation, review.id)
    snapshot = decision_service.current_snapshot(db.session, evaluation)
    row = next(s for s in snapshot["scores"] if s["evaluator_id"] == ana.id
               and s["vendor_id"] == mine.vendor_id and s["moderated_value"] is not None)
    assert (row["value"], row["moderated_value"]) == (independent, new_value)
    memo = pdf_text(client.get(f"/evaluations/{review.id}/memo.pdf").data)
    assert "Independent and moderated scores" in memo and "Consensus meeting" in memo


# ------------------------------------------------------ 3. drafts private in every output


def _score_reading_urls(app, evaluation, vendor_id):
    """Every GET page under /evaluations/<id> and every API read of an evaluation, from the
    URL map (the API's are also in its OpenAPI document)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or "evaluation_id" not in rule.arguments:
            continue
        if not rule.arguments <= {"evaluation_id", "vendor_id"}:
            continue
        values = {"evaluation_id": evaluation.id, "vendor_id": vendor_id}
        with app.test_request_context():
            urls.append(url_for(rule.endpoint, **{k: values[k] for k in rule.arguments}))
    return urls


def test_no_reader_sees_another_evaluators_draft_anywhere(app, client, demo):
    _, scoring = demo
    vendor_id = scoring.shortlist[0].vendor_id
    urls = _score_reading_urls(app, scoring, vendor_id)
    api_paths = [u for u in urls if u.startswith("/api/")]
    with app.test_request_context():
        documented = openapi_document("http://localhost/api/v1")["paths"]
    assert {p for p in documented if "{evaluation_id}" in p and "get" in documented[p]} == {
        re.sub(r"/api/v1", "", re.sub(r"/\d+", "/{evaluation_id}", u, count=1))
        for u in api_paths}
    assert any("/scores" in u for u in api_paths) and any("/compare" in u for u in urls)
    tom = _user("tom@example.com")
    tom_draft_ids = {s.id for s in db.session.scalars(select(Score).where(
        Score.evaluation_id == scoring.id, Score.evaluator_id == tom.id))}
    assert tom_draft_ids
    make_user("admin2@example.com", role=Role.ADMIN, password=DEMO_PASSWORD)
    checked = 0
    for email in ("ana@example.com", "lead@example.com", "cto@example.com",
                  "admin2@example.com"):
        user = _user(email)
        token = api_tokens.create_token(db.session, user, scope="read", name="t").secret
        _as(client, email)
        for url in urls:
            if url.startswith("/api/"):
                response = client.get(url, headers={"Authorization": f"Bearer {token}"})
            else:
                response = client.get(url)
            if response.status_code != 200:
                continue
            body = (pdf_text(response.data) if response.mimetype == "application/pdf"
                    else response.get_data(as_text=True))
            assert DRAFT_MARKER not in body, (email, url)
            if url.endswith("/scores"):
                items = response.get_json()["items"]
                assert not tom_draft_ids & {i["id"] for i in items}, (email, url)
            checked += 1
    assert checked >= 4 * 4  # pages and API reads did answer
    export = app.test_cli_runner().invoke(args=["export-evaluation", str(scoring.id)])
    assert export.exit_code == 0 and DRAFT_MARKER not in export.output
    # Tom himself still sees his own draft.
    _as(client, "tom@example.com")
    token = api_tokens.create_token(db.session, tom, scope="read", name="t").secret
    own = client.get(f"/api/v1/evaluations/{scoring.id}/scores",
                     headers={"Authorization": f"Bearer {token}"}).get_json()
    assert DRAFT_MARKER in json.dumps(own)


# ------------------------------------------------------------------ 4. frozen when decided


def _decide(client, review):
    _as(client, "lead@example.com")
    r = post(client, f"/evaluations/{review.id}/decide", {
        "vendor_id": review.shortlist[0].vendor_id,
        "rationale": "The committee chose on the evidence of recovery."},
        token_from=f"/evaluations/{review.id}/decide")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Evaluation, review.id).status == Status.DECIDED


def _post_urls(app, evaluation):
    lens = db.session.scalars(select(Lens).where(Lens.evaluation_id == evaluation.id)).first()
    member = db.session.scalars(select(Membership).where(
        Membership.evaluation_id == evaluation.id)).first()
    values = {"evaluation_id": evaluation.id, "lens_id": lens.id, "member_id": member.id,
              "vendor_id": evaluation.shortlist[0].vendor_id, "conflict_id": 1}
    out = {}
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and "evaluation_id" in rule.arguments and \
                rule.rule.startswith("/evaluations/"):
            with app.test_request_context():
                out[rule.endpoint] = url_for(rule.endpoint,
                                             **{k: values[k] for k in rule.arguments})
    return out


def test_every_write_route_of_a_decided_evaluation_is_refused(app, client, demo):
    review, _ = demo
    _decide(client, review)
    frozen = {
        "scores": _scores_state(review.id),
        "conflicts": _count(Conflict, Conflict.evaluation_id == review.id),
        "members": sorted((m.user_id, m.role) for m in db.session.scalars(
            select(Membership).where(Membership.evaluation_id == review.id))),
        "lenses": sorted((x.name, json.dumps(x.weights, sort_keys=True)) for x in
                         db.session.scalars(select(Lens).where(Lens.evaluation_id == review.id))),
        "evaluation": db.session.get(Evaluation, review.id).version,
    }
    urls = _post_urls(app, review)
    assert len(urls) >= 15
    lead = _user("lead@example.com")
    ana = _user("ana@example.com")
    for endpoint, url in urls.items():
        if endpoint in WRITES_WHEN_DECIDED:
            continue
        response = post(client, url, {"user_id": lead.id, "vendor_id":
                                      review.shortlist[0].vendor_id, "note": "x",
                                      "name": "Sales", "email": "tom@example.com",
                                      "role": "evaluator", "target": "scoring"})
        assert response.status_code == 409, (endpoint, response.status_code)
        assert "is decided" in response.get_data(as_text=True), endpoint
    # The evaluator's own conflict declaration (problem 4) is refused too.
    _as(client, "ana@example.com")
    r = post(client, f"/evaluations/{review.id}/conflicts", {
        "user_id": ana.id, "vendor_id": review.shortlist[0].vendor_id, "note": "Former employer"})
    assert r.status_code == 409
    db.session.expire_all()
    assert _scores_state(review.id) == frozen["scores"]
    assert _count(Conflict, Conflict.evaluation_id == review.id) == frozen["conflicts"]
    assert sorted((m.user_id, m.role) for m in db.session.scalars(
        select(Membership).where(Membership.evaluation_id == review.id))) == frozen["members"]
    assert db.session.get(Evaluation, review.id).version == frozen["evaluation"]
    verify = client.get(f"/evaluations/{review.id}/decision/verify").get_data(as_text=True)
    assert "Reproduced exactly" in verify


def test_reopening_is_a_reasoned_lead_action_that_keeps_the_decision_in_history(client, demo):
    review, _ = demo
    _decide(client, review)
    decision_id = db.session.scalar(select(Decision.id).where(
        Decision.evaluation_id == review.id))
    r = post(client, f"/evaluations/{review.id}/reopen", {"reason": "too short"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Evaluation, review.id).status == Status.DECIDED
    _as(client, "cto@example.com")  # an observer may not reopen
    assert post(client, f"/evaluations/{review.id}/reopen", {
        "reason": "The observer wants to change the outcome."}).status_code == 403
    _as(client, "lead@example.com")
    r = post(client, f"/evaluations/{review.id}/reopen", {
        "reason": "A reference check contradicted the winner's case study."})
    assert r.status_code == 302
    db.session.expire_all()
    evaluation = db.session.get(Evaluation, review.id)
    assert evaluation.status == Status.REVIEW and evaluation.decision is None
    revoked = db.session.get(Decision, decision_id)
    assert revoked.revoked_at is not None and revoked.revoke_reason.startswith("A reference")
    assert revoked.revoked_by_id == _user("lead@example.com").id
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "Decision", AuditEvent.entity_id == decision_id,
        AuditEvent.action == "update")).all()
    assert any("revoked_at" in (e.after or {}) for e in events)
    page = client.get(f"/evaluations/{review.id}").get_data(as_text=True)
    assert "Revoked decisions" in page and "contradicted the winner" in page


# ----------------------------------------------------------------- 5. roles follow the user


def test_a_demoted_lead_loses_lead_powers_at_once_in_session_and_token(app, client, demo):
    review, scoring = demo
    lead = _user("lead@example.com")
    token = api_tokens.create_token(db.session, lead, scope="write", name="t").secret
    lead_client = app.test_client()
    assert login(lead_client, "lead@example.com", DEMO_PASSWORD).status_code == 302
    make_user("root@example.com", role=Role.ADMIN, password=DEMO_PASSWORD)
    _as(client, "root@example.com")
    users_page = client.get("/admin/users").get_data(as_text=True)
    assert "Customer portal rebuild (demo)" in users_page  # the Leads column
    r = post(client, f"/admin/users/{lead.id}/role", {"role": "viewer"}, token_from="/admin/users")
    assert r.status_code == 302
    flashes = client.get("/admin/users").get_data(as_text=True)
    assert "Left without a lead" in flashes and "Customer portal rebuild (demo)" in flashes
    db.session.expire_all()
    assert {m.role for m in db.session.scalars(select(Membership).where(
        Membership.user_id == lead.id))} == {MemberRole.OBSERVER.value}
    members_before = _count(Membership)
    # The lead's open session: no more lead routes.
    tok = csrf_token(lead_client, f"/evaluations/{scoring.id}")
    r = lead_client.post(f"/evaluations/{scoring.id}/members",
                         data={"email": "mei@example.com", "role": "evaluator",
                               "csrf_token": tok})
    assert r.status_code == 403
    r = lead_client.post(f"/evaluations/{scoring.id}/lenses",
                         data={"name": "Sneaky", "weights-0": "1", "csrf_token": tok})
    assert r.status_code == 403
    # The lead's write token: lead-only setup stays closed; as an observer the user keeps only
    # what observers have (reading, and the steering committee's decision in review).
    r = lead_client.get(f"/api/v1/evaluations/{scoring.id}",
                        headers={"Authorization": f"Bearer {token}"})
    assert r.get_json()["my_role"] == MemberRole.OBSERVER.value
    db.session.expire_all()
    assert _count(Membership) == members_before
    assert db.session.scalar(select(Lens.id).where(Lens.name == "Sneaky")) is None
    # Deactivation ends everything at once: the session and the token.
    user_service.set_active(db.session, db.session.get(User, lead.id), False)
    assert lead_client.get(f"/evaluations/{scoring.id}").status_code == 302  # to login
    r = lead_client.post(f"/api/v1/evaluations/{review.id}/decision",
                         json={"vendor_id": review.shortlist[0].vendor_id,
                               "rationale": "Deciding after the deactivation."},
                         headers={"Authorization": f"Bearer {token}", "If-Match": "*"})
    assert r.status_code == 401
    assert _count(Decision) == 0
    # A viewer cannot be made an evaluator either.
    make_user("viewer@example.com", role=Role.VIEWER)
    with pytest.raises(Exception, match="can only observe"):
        setup_service.add_member(db.session, db.session.get(Evaluation, scoring.id),
                                 "viewer@example.com", "evaluator")
    assert _count(Membership) == members_before


def test_member_roles_allowed_never_exceed_the_global_role():
    for role, allowed in user_service.MEMBER_ROLES_ALLOWED.items():
        if role not in (Role.LEAD, Role.ADMIN):
            assert MemberRole.LEAD.value not in allowed
    assert user_service.member_roles_allowed(Role.VIEWER.value) == (MemberRole.OBSERVER.value,)


# ------------------------------------------------------------------- 6. evidence required


def _tom_sheet_row(scoring, score, **fields):
    data = {"rows-0-criterion_id": score.criterion_id, "rows-0-vendor_id": score.vendor_id,
            "rows-0-version": score.version, "rows-0-rationale": "r"}
    data.update({f"rows-0-{k}": v for k, v in fields.items()})
    return data


def test_a_score_without_the_required_citation_cannot_be_submitted(client, demo):
    _, scoring = demo
    tom = _user("tom@example.com")
    # Fill tom's sheet with mid-scale, cited values, except one 5 without a citation.
    have = {(s.vendor_id, s.criterion_id): s for s in db.session.scalars(select(Score).where(
        Score.evaluation_id == scoring.id, Score.evaluator_id == tom.id))}
    plain = next(c for c in scoring.criteria if c.knockout_below is None)
    for entry in scoring.shortlist:
        for c in scoring.criteria:
            s = have.get((entry.vendor_id, c.id)) or Score(
                evaluation_id=scoring.id, evaluator_id=tom.id, vendor_id=entry.vendor_id,
                criterion_id=c.id)
            s.value, s.insufficient_evidence = 3.0, False
            s.evidence = [{"type": "case_study", "id": entry.vendor.case_studies[0].id}]
            db.session.add(s)
    target = next(s for s in db.session.scalars(select(Score).where(
        Score.evaluation_id == scoring.id, Score.evaluator_id == tom.id,
        Score.criterion_id == plain.id)))
    target.value, target.evidence = 5.0, []
    db.session.commit()
    _as(client, "tom@example.com")
    r = post(client, f"/evaluations/{scoring.id}/submit", {}, token_from=f"/evaluations/{scoring.id}")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "evidence is required" in page and f"{plain.name}: cite evidence for" in page
    db.session.expire_all()
    assert _count(Score, Score.evaluator_id == tom.id, Score.submitted.is_(True)) == 0
    assert db.session.scalar(select(Membership.submitted_at).where(
        Membership.user_id == tom.id, Membership.evaluation_id == scoring.id)) is None

    # A value and "insufficient evidence" together are refused by the server.
    url = f"/evaluations/{scoring.id}/score?vendor={target.vendor_id}"
    before = _scores_state(scoring.id)
    both = post(client, url, _tom_sheet_row(scoring, target, value="4", insufficient="y"),
                token_from=url)
    assert both.status_code == 400 and "not both" in both.get_data(as_text=True)
    assert _scores_state(scoring.id) == before

    # With the citation the submission goes through.
    db.session.get(Score, target.id).evidence = [
        {"type": "case_study", "id": target.vendor.case_studies[0].id}]
    db.session.commit()
    post(client, f"/evaluations/{scoring.id}/submit", {}, token_from=f"/evaluations/{scoring.id}")
    db.session.expire_all()
    assert db.session.scalar(select(Membership.submitted_at).where(
        Membership.user_id == tom.id, Membership.evaluation_id == scoring.id)) is not None


# ----------------------------------------------------------- 7. conflicts attested first


def test_evaluator_attests_before_the_sheet_and_late_conflicts_are_flagged_not_deleted(
        client, demo):
    review, scoring = demo
    tom = _user("tom@example.com")
    membership = db.session.scalar(select(Membership).where(
        Membership.user_id == tom.id, Membership.evaluation_id == scoring.id))
    membership.attested_at = None
    db.session.commit()
    _as(client, "tom@example.com")
    r = client.get(f"/evaluations/{scoring.id}/score")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/{scoring.id}/attest")
    page = f"/evaluations/{scoring.id}/attest"
    empty = post(client, page, {}, token_from=page)
    assert empty.status_code == 400
    vendor = scoring.shortlist[1]
    drafts = _count(Score, Score.evaluator_id == tom.id, Score.vendor_id == vendor.vendor_id)
    r = post(client, page, {f"conflict-{vendor.vendor_id}": "y",
                            f"note-{vendor.vendor_id}": "My brother runs their delivery team"},
             token_from=page)
    assert r.status_code == 302
    db.session.expire_all()
    conflict = db.session.scalar(select(Conflict).where(Conflict.user_id == tom.id))
    assert (conflict.vendor_id, conflict.after_submission) == (vendor.vendor_id, False)
    assert db.session.get(Membership, membership.id).attested_at is not None
    assert drafts == 0 or _count(Score, Score.evaluator_id == tom.id,
                                 Score.vendor_id == vendor.vendor_id) == 0
    assert client.get(f"/evaluations/{scoring.id}/score").status_code == 200

    # After submission: a late conflict keeps the scores and waits for the lead.
    ana = _user("ana@example.com")
    submitted_before = _count(Score, Score.evaluation_id == review.id,
                              Score.evaluator_id == ana.id)
    _as(client, "ana@example.com")
    late_vendor = review.shortlist[0].vendor_id
    r = post(client, f"/evaluations/{review.id}/conflicts",
             {"user_id": ana.id, "vendor_id": late_vendor, "note": "Offered a job there"})
    assert r.status_code == 302
    db.session.expire_all()
    assert _count(Score, Score.evaluation_id == review.id,
                  Score.evaluator_id == ana.id) == submitted_before
    late = db.session.scalar(select(Conflict).where(Conflict.user_id == ana.id))
    assert late.after_submission and late.resolution == ""
    _as(client, "lead@example.com")
    detail = client.get(f"/evaluations/{review.id}").get_data(as_text=True)
    assert "Conflicts declared after submission" in detail and "Offered a job there" in detail
    refused = post(client, f"/evaluations/{review.id}/decide", {
        "vendor_id": late_vendor, "rationale": "Deciding before the conflict is settled."},
        token_from=f"/evaluations/{review.id}/decide")
    assert refused.status_code == 400 and _count(Decision) == 0
    ranked_before = client.get(f"/evaluations/{review.id}/ranking.json").get_json()
    r = post(client, f"/evaluations/{review.id}/conflicts/{late.id}/resolve",
             {"resolution": "exclude", "note": "Material: a job offer from the vendor."})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Conflict, late.id).resolution == "exclude"
    ranked_after = client.get(f"/evaluations/{review.id}/ranking.json").get_json()
    spread = {v["id"]: v["spread"] for v in ranked_after["vendors"]}
    before_spread = {v["id"]: v["spread"] for v in ranked_before["vendors"]}
    key = ranked_after["criteria"][0]["key"]
    assert spread[late_vendor][key]["n"] == before_spread[late_vendor][key]["n"] - 1
    assert _count(Score, Score.evaluation_id == review.id,
                  Score.evaluator_id == ana.id) == submitted_before  # excluded, not deleted
    memo = pdf_text(client.get(f"/evaluations/{review.id}/memo.pdf").data)
    assert "Independence and conflicts of interest" in memo and "scores excluded" in memo


# ------------------------------------------------------- all or nothing, even at commit


def _attest(s, evaluation):
    member = s.scalar(select(Membership).where(
        Membership.evaluation_id == evaluation.id, Membership.submitted_at.is_(None),
        Membership.role == MemberRole.EVALUATOR.value))
    conflict_service.attest(s, evaluation, member.user, member, [
        conflict_service.Declaration(evaluation.shortlist[0].vendor_id, "Former employer.")],
        none=False)


def _moderate(s, evaluation):
    score = s.scalar(select(Score).where(Score.evaluation_id == evaluation.id,
                                         Score.submitted.is_(True)).order_by(Score.id))
    lead = s.scalar(select(Membership).where(Membership.evaluation_id == evaluation.id,
                                             Membership.role == MemberRole.LEAD.value))
    moderation_service.moderate(s, evaluation, lead.user, lead, [moderation_service.Revision(
        score.id, 2.0 if score.value != 2.0 else 3.0, "Panel agreed after the discussion.")])


def _reopen(s, evaluation):
    lead = s.scalar(select(Membership).where(Membership.evaluation_id == evaluation.id,
                                             Membership.role == MemberRole.LEAD.value))
    decision_service.reopen(s, evaluation, lead.user, lead, "A reference contradicted it.")


def _resolve(s, evaluation):
    conflict = s.scalar(select(Conflict).where(Conflict.evaluation_id == evaluation.id))
    conflict_service.resolve(s, evaluation, conflict.id, "exclude", "Material: a job offer.")


def _prepare(s, review, scoring, use_case):
    """Bring the demo to where the use case applies (committed before the state is taken)."""
    if use_case is _attest:
        for member in s.scalars(select(Membership).where(Membership.evaluation_id == scoring.id)):
            member.attested_at = None
        s.commit()
        return scoring
    if use_case is _moderate:
        review.status = Status.MODERATION.value
    if use_case is _reopen:
        lead = s.scalar(select(User).where(User.email == "lead@example.com"))
        membership = s.scalar(select(Membership).where(Membership.user_id == lead.id,
                                                       Membership.evaluation_id == review.id))
        decision_service.record_decision(s, review, lead, membership, vendor_id=review.shortlist[
            0].vendor_id, rationale="The committee chose on the evidence.", dissent="")
    if use_case is _resolve:
        ana = s.scalar(select(User).where(User.email == "ana@example.com"))
        conflict_service.declare(s, review, ana.id, review.shortlist[0].vendor_id, "Job offer")
    s.commit()
    return review


@pytest.mark.parametrize("use_case", [_attest, _moderate, _reopen, _resolve],
                         ids=["attest", "moderate", "reopen", "resolve_conflict"])
def test_integrity_use_cases_failing_at_commit_leave_nothing_behind(monkeypatch, demo, use_case):
    session = db.session
    evaluation = _prepare(session, *demo, use_case)
    session.expire_all()
    before = database_state(session)
    with monkeypatch.context() as patch:
        patch.setattr(session, "commit", _failing_commit(session))
        with pytest.raises(CommitFailed):
            use_case(session, db.session.get(Evaluation, evaluation.id))
    session.expire_all()
    assert database_state(session) == before
    use_case(session, db.session.get(Evaluation, evaluation.id))
    session.expire_all()
    assert database_state(session) != before
