"""The PDF recommendation memo: content read back with pypdf, access, audit, fingerprint, CLI."""

from __future__ import annotations

import io
import json
import time

import pytest
from pypdf import PdfReader
from sqlalchemy import event, select

from evaluator import memos
from evaluator.extensions import db
from evaluator.models import AuditEvent, Evaluation, PastProgram, Role, Score, User, Vendor
from evaluator.services import analysis as analysis_service
from evaluator.services import decisions as decision_service
from evaluator.services import memos as memo_service
from evaluator.services import outcomes
from tests.conftest import csrf_token, login, make_user

from .builders import memo_evaluation
from .conftest import DEMO_PASSWORD, pdf_text

SECTIONS = [
    "Recommendation memo",
    "1 Ranking",
    "2 Vendor assessments",
    "3 Agreement, dissent and leniency",
    "4 Robustness",
    "5 Stakeholder lenses",
    "6 Outcome model",
    "7 Steering committee sign-off",
    "A Appendix: full score matrix",
    "B Appendix: method and reproducibility",
]


def _download(client, evaluation_id, email, query=""):
    login(client, email, DEMO_PASSWORD)
    return client.get(f"/evaluations/{evaluation_id}/memo.pdf{query}")


def test_demo_memo_has_the_recommendation_every_vendor_the_sections_and_the_fingerprint(
        client, demo):
    response = _download(client, demo.id, "cto@example.com")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="memo-evaluation-{demo.id}.pdf"')
    reader = PdfReader(io.BytesIO(response.data))
    text = pdf_text(response.data)
    assert "Recommendation: award to Ironbridge Technology" in text
    for entry in demo.shortlist:
        assert entry.vendor.name in text
    for heading in SECTIONS:
        assert heading in text, heading
    fingerprint = response.headers["X-Memo-Fingerprint"]
    assert len(fingerprint) == 64
    assert fingerprint in text
    pages = len(reader.pages)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "Core banking integration partner (demo)" in pdf_text_of_page(reader, 1)  # header
    assert "No model trained" in text  # the demo trains no outcome model
    assert "No decision has been recorded yet" in text
    assert "Replace the batch integration between our core ledger" in text  # program context
    assert "Setback:" in text and "Lesson:" in text  # highlighted evidence sentences


def pdf_text_of_page(reader: PdfReader, index: int) -> str:
    return " ".join((reader.pages[index].extract_text() or "").split())


def test_memo_under_a_lens_says_so_and_names_the_file(client, demo):
    response = _download(client, demo.id, "lead@example.com", "?lens=Finance")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(
        f'filename="memo-evaluation-{demo.id}-finance.pdf"')
    text = pdf_text(response.data)
    assert "Finance lens" in text
    assert '--lens "Finance"' in text


def test_unknown_lens_is_refused_with_a_message_and_no_audit_row(client, demo):
    response = _download(client, demo.id, "lead@example.com", "?lens=Nope")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/evaluations/{demo.id}/compare")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The memo cannot be generated" in page
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "export_memo")).all() == []


# ------------------------------------------------------------------------------ access


def test_non_member_gets_404_and_blind_evaluator_403(client, demo):
    make_user("outsider@example.com", role=Role.LEAD)
    login(client, "outsider@example.com")
    assert client.get(f"/evaluations/{demo.id}/memo.pdf").status_code == 404
    client.post("/logout", data={"csrf_token": _token(client)})
    # Evaluation 2 is in scoring; Tom has not submitted, so scoring is still blind for him.
    portal = db.session.scalars(select(Evaluation).where(
        Evaluation.title == "Customer portal rebuild (demo)")).one()
    response = _download(client, portal.id, "tom@example.com")
    assert response.status_code == 403
    client.post("/logout", data={"csrf_token": _token(client)})
    assert _download(client, portal.id, "ana@example.com").status_code == 200  # submitted


def test_admin_who_is_not_a_member_may_download(client, demo):
    assert _download(client, demo.id, "admin@example.com").status_code == 200


def test_anonymous_is_sent_to_login(client, demo):
    response = client.get(f"/evaluations/{demo.id}/memo.pdf")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def _token(client):
    return csrf_token(client, "/")


def test_buttons_link_to_the_memo(client, demo):
    login(client, "lead@example.com", DEMO_PASSWORD)
    for path in (f"/evaluations/{demo.id}", f"/evaluations/{demo.id}/compare"):
        page = client.get(path).get_data(as_text=True)
        assert f"/evaluations/{demo.id}/memo.pdf" in page and "Download memo (PDF)" in page


# ------------------------------------------------------------------------------- audit


def test_download_leaves_an_audit_row(client, demo):
    response = _download(client, demo.id, "cto@example.com")
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "export_memo")).all()
    assert len(events) == 1
    event_row = events[0]
    assert (event_row.entity_type, event_row.entity_id) == ("Evaluation", demo.id)
    assert event_row.actor == "cto@example.com"
    assert event_row.after["fingerprint"] == response.headers["X-Memo-Fingerprint"]
    assert event_row.after["via"] == "web" and event_row.after["bytes"] == len(response.data)
    assert event_row.after["pages"] == len(PdfReader(io.BytesIO(response.data)).pages)


# -------------------------------------------------------------------------- fingerprint


def test_same_inputs_same_fingerprint_changed_score_different(app, demo):
    first = memo_service.build_memo(db.session, demo.id)
    time.sleep(0.01)
    analysis_service.clear_cache()
    db.session.expire_all()
    again = memo_service.build_memo(db.session, demo.id, prepared_by="someone else")
    assert again.fingerprint == first.fingerprint
    assert again.generated_at != first.generated_at

    score = db.session.scalars(select(Score).where(
        Score.evaluation_id == demo.id, Score.submitted.is_(True),
        Score.value.is_not(None)).order_by(Score.id)).first()
    score.value = 1.0 if score.value != 1.0 else 2.0
    db.session.commit()
    changed = memo_service.build_memo(db.session, demo.id)
    assert changed.fingerprint != first.fingerprint


@pytest.mark.parametrize("change", ["rationale", "weight", "lens", "decision"])
def test_fingerprint_covers_rationales_weights_lens_and_decision(app, demo, change):
    before = memo_service.build_memo(db.session, demo.id).fingerprint
    lens = None
    if change == "rationale":
        score = db.session.scalars(select(Score).where(Score.evaluation_id == demo.id,
                                                       Score.submitted.is_(True))).first()
        score.rationale += " Revised."
    elif change == "weight":
        demo.criteria[0].weight += 1
    elif change == "lens":
        lens = "Finance"
    else:
        decision_service.record_decision(
            db.session, demo, _admin(), None, vendor_id=demo.shortlist[0].vendor_id,
            rationale="Best candour about setbacks and the strongest references.", dissent="")
    db.session.commit()
    assert memo_service.build_memo(db.session, demo.id, lens=lens).fingerprint != before


def _admin():
    return db.session.scalars(select(User).where(User.email == "admin@example.com")).one()


def test_recorded_decision_appears_and_is_reproduced(client, demo):
    admin = _admin()
    decision_service.record_decision(
        db.session, demo, admin, None, vendor_id=demo.shortlist[0].vendor_id,
        rationale="Acme showed the most candid handling of setbacks in references.",
        dissent="Finance prefers a cheaper partner.")
    response = _download(client, demo.id, "cto@example.com")
    text = pdf_text(response.data)
    assert "Acme showed the most candid handling of setbacks" in text
    assert "Finance prefers a cheaper partner." in text
    assert "differs from the ranking's leader" in text.lower()  # Acme is second, not first
    assert "is reproduced by the current scores" in text


def test_a_decision_frozen_under_the_older_method_is_told_apart_from_changed_scores(client, demo):
    """A snapshot whose ranking was computed by the weight-only p_rank1 (before evaluators were
    resampled) rests on the same scores: verify and the memo say so instead of "changed"."""
    admin = _admin()
    decision = decision_service.record_decision(
        db.session, demo, admin, None, vendor_id=demo.shortlist[0].vendor_id,
        rationale="Acme showed the most candid handling of setbacks in references.", dissent="")
    old = json.loads(json.dumps(decision.snapshot))
    for vendor in old["ranking"]["vendors"]:
        vendor.pop("p_beats_leader")
    for key in ("resamples", "statistically_tied", "tied_share", "leader_margin_ci95",
                "leave_one_evaluator_out"):
        old["ranking"]["sensitivity"].pop(key)
    decision.snapshot, decision.snapshot_sha256 = old, decision_service.digest(old)
    db.session.commit()
    result = decision_service.verify(db.session, demo)
    assert result["snapshot_intact"] and not result["reproduced"]
    assert result["inputs_unchanged"]
    text = pdf_text(_download(client, demo.id, "cto@example.com").data)
    assert "rests on the same scores and weights as today" in text
    assert "is no longer reproduced" not in text
    score = db.session.scalars(select(Score).where(Score.evaluation_id == demo.id,
                                                   Score.submitted.is_(True))).first()
    score.value = 1.0 if score.value != 1.0 else 2.0
    db.session.commit()
    assert not decision_service.verify(db.session, demo)["inputs_unchanged"]


# ------------------------------------------------------------------------ recommendation


def _ranking(*vendors, flips=()):
    return {"vendors": [dict(id=i, name=f"V{i}", rank=rank, score=score, p_rank1=p,
                             knocked_out=False, incomplete=rank is None)
                        for i, (rank, score, p) in enumerate(vendors, start=1)],
            "sensitivity": {"flips": list(flips)}}


def test_recommendation_rules():
    clear = memo_service.recommend(_ranking((1, 70.0, 0.8), (2, 60.0, 0.2)))
    assert clear["kind"] == "winner" and clear["leader"]["id"] == 1
    assert clear["margin"] == pytest.approx(10.0)
    shaky = memo_service.recommend(_ranking((1, 70.0, 0.45), (2, 69.0, 0.55)))
    assert shaky["kind"] == "no_clear_winner" and shaky["reasons"] == ["not_robust"]
    assert shaky["challenger"]["id"] == 2
    tie = memo_service.recommend(_ranking((1, 70.0, 0.5), (1, 70.0, 0.5), (3, 40.0, 0.0)))
    assert tie["kind"] == "no_clear_winner" and "tie" in tie["reasons"]
    assert [v["id"] for v in tie["tied"]] == [1, 2]
    nothing = memo_service.recommend(_ranking((None, None, None)))
    assert nothing["kind"] == "no_ranking"
    flips = [{"criterion": "a", "current": 0.2, "flip": 0.6, "takeover": 2},
             {"criterion": "b", "current": 0.3, "flip": 0.35, "takeover": 2},
             {"criterion": "c", "current": 0.5, "flip": None, "takeover": None}]
    assert memo_service.recommend(_ranking((1, 70.0, 0.9), (2, 60.0, 0.1),
                                           flips=flips))["nearest_flip"]["criterion"] == "b"


def test_tied_leaders_print_no_clear_winner(client, demo):
    """Give Acme exactly Ironbridge's scores: the top two tie, so there is no clear winner."""
    names = {e.vendor.name: e.vendor_id for e in demo.shortlist}
    scores = db.session.scalars(select(Score).where(Score.evaluation_id == demo.id)).all()
    leader = {(s.evaluator_id, s.criterion_id): s for s in scores
              if s.vendor_id == names["Ironbridge Technology"]}
    for s in scores:
        if s.vendor_id == names["Acme Delivery"]:
            twin = leader[(s.evaluator_id, s.criterion_id)]
            s.value, s.insufficient_evidence = twin.value, twin.insufficient_evidence
            s.submitted = twin.submitted
    db.session.commit()
    text = pdf_text(_download(client, demo.id, "lead@example.com").data)
    assert "No clear winner" in text
    assert "award to" not in text.lower()
    assert "are tied at" in text


# ------------------------------------------------------------------------------ queries


def _count_queries(fn):
    count = 0

    def before(*_args, **_kwargs):
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return count


def test_gathering_the_memo_takes_a_constant_number_of_queries(app):
    small = memo_evaluation(db.session, vendors=3, evaluators=("ana", "raj"), title="Small")
    large = memo_evaluation(db.session, vendors=9, evaluators=("ana", "raj", "mei", "tom"),
                            title="Large")
    counts = []
    for evaluation_id in (small, large):
        db.session.expire_all()
        counts.append(_count_queries(lambda i=evaluation_id: memo_service.build_memo(
            db.session, i)))
    assert counts[0] == counts[1]  # constant in the number of vendors and evaluators
    assert counts[0] <= 30  # and small: no per-row loading slipped in


# --------------------------------------------------------------------------------- CLI


def test_cli_writes_a_valid_pdf_and_an_audit_row(app, demo, tmp_path):
    target = tmp_path / "memo.pdf"
    result = app.test_cli_runner().invoke(args=["memo", str(demo.id), "-o", str(target)])
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Recommendation: award to Ironbridge Technology" in text
    fingerprint = result.output.strip().split()[-1]
    assert fingerprint in text
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "export_memo")).all()
    assert [(e.actor, e.after["via"], e.after["fingerprint"]) for e in events] == [
        ("cli", "cli", fingerprint)]
    assert not list(tmp_path.glob(".*.partial"))


def test_cli_lens_option(app, demo, tmp_path):
    target = tmp_path / "finance.pdf"
    result = app.test_cli_runner().invoke(
        args=["memo", str(demo.id), "-o", str(target), "--lens", "Finance"])
    assert result.exit_code == 0, result.output
    assert "Finance lens" in pdf_text(target.read_bytes())


@pytest.mark.parametrize("args, message", [
    (["memo", "999", "-o", "{out}"], "There is no evaluation with id 999."),
    (["memo", "1", "-o", "{out}", "--lens", "Nope"], "Evaluation 1:"),
])
def test_cli_errors_write_nothing(app, demo, tmp_path, args, message):
    target = tmp_path / "memo.pdf"
    result = app.test_cli_runner().invoke(
        args=[a.replace("{out}", str(target)) for a in args])
    assert result.exit_code != 0
    assert message in result.output
    assert not target.exists()
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "export_memo")).all() == []


# ------------------------------------------------------------------------ outcome model


def test_model_prediction_is_shown_as_advisory_with_validation_and_limits(
        app, demo, monkeypatch):
    def fake_model(session, evaluation, analysis, *, extra_features=None):
        vendors = [{"id": r.vendor, "committee_rank": r.rank, "predicted_success": 0.61,
                    "model_rank": 1, "reason": None, "disagrees": False}
                   for r in analysis.ranking.results]
        return ({"id": 7, "version": 3, "n": 160, "n_vendors": 34, "n_success": 93,
                 "cv_auc": 0.81, "cv_auc_ci95": [0.74, 0.88], "auc_baseline": 0.5,
                 "brier": 0.17, "brier_baseline": 0.24, "brier_skill": 0.29,
                 "calibration_slope": 0.93, "skill": "good", "skill_text": "Good skill.",
                 "advisory": True, "limits": "Associations, not causes.",
                 "in_training": False, "predictions_withheld": False, "notes": [],
                 "effective_vendors": 31.2, "largest_vendor_share": 0.05,
                 "validation_method": "grouped-k-fold", "fold_sizes": [[32, 32, 32, 32, 32]],
                 "unscorable_folds": 0, "brier_skill_ci95": [0.18, 0.4],
                 "calibration_in_the_large_points": -1.5, "withheld_reason": None,
                 "vendors": vendors},
                {v["id"]: 0.61 for v in vendors})

    monkeypatch.setattr(outcomes, "model_for_ranking", fake_model)
    memo = memo_service.build_memo(db.session, demo.id)
    text = pdf_text(memos.html_to_pdf(memos.render_memo_html(memo)))
    assert "ADVISORY" in text.upper()
    assert "0.81" in text and "0.74–0.88" in text  # cross-validated AUC and its interval
    assert "Associations, not causes." in text
    assert "61%" in text
    assert "No model trained" not in text
    assert "effective number of vendors 31.2" in text and "test folds of 32, 32, 32" in text
    assert "-1.5" in text  # calibration-in-the-large, points


def test_withheld_predictions_say_why_in_the_memo(app, demo):
    for program in db.session.scalars(select(PastProgram)):  # a history from 4 vendors only
        program.vendor_name = f"Vendor {program.id % 4}"
    db.session.commit()
    outcomes.train_model(db.session, n_repeats=1, bootstrap=20, effect_bootstrap=0)
    memo = memo_service.build_memo(db.session, demo.id)
    text = " ".join(pdf_text(memos.html_to_pdf(memos.render_memo_html(memo))).split())
    assert "predictions withheld: no demonstrated skill" in text.lower()
    assert "needs programs from at least 10 vendors; you have 4" in text
    assert "effective number of vendors 4.0" in text


def test_hostile_vendor_is_listed_by_its_escaped_name(app, demo):
    vendor = db.session.scalars(select(Vendor).where(Vendor.name == "Acme Delivery")).one()
    vendor.name = 'Acme <b>"Delivery"</b> & Co'
    db.session.commit()
    memo = memo_service.build_memo(db.session, demo.id)
    html = memos.render_memo_html(memo)
    assert "Acme &lt;b&gt;&#34;Delivery&#34;&lt;/b&gt; &amp; Co" in html
    assert 'Acme <b>"Delivery"' not in html
    assert 'Acme <b>"Delivery"</b> & Co' in pdf_text(memos.html_to_pdf(html))


def test_flip_chart_only_when_the_leader_hinges_on_a_weight(app, monkeypatch):
    evaluation_id = memo_evaluation(db.session, vendors=8, title="Flips")
    memo = memo_service.build_memo(db.session, evaluation_id)
    flips = [f for f in memo.ranking["sensitivity"]["flips"] if f["flip"] is not None]
    assert flips, "the builder's evaluation has a criterion that can change the leader"
    nearest = min(abs(f["flip"] - f["current"]) for f in flips)
    text = pdf_text(memos.html_to_pdf(memos.render_memo_html(memo)))
    assert "Leader changes at" in text  # the table of flips is always there
    assert ("Figure 2. Flip weights" in text) == (nearest <= memo_service.FLIP_CHART_WITHIN)
    monkeypatch.setattr(memo_service, "FLIP_CHART_WITHIN", 1.0)
    memo = memo_service.build_memo(db.session, evaluation_id)
    assert "Figure 2. Flip weights" in pdf_text(memos.html_to_pdf(memos.render_memo_html(memo)))
