"""The dossier page's derived data: highlights, delivery figures, candour, certificate status."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from evaluator.extensions import db
from evaluator.models import CaseStudy, Certification, Vendor
from evaluator.services import dossier
from evaluator.services.demo import seed_demo


@given(st.text(max_size=400))
def test_highlight_segments_rebuild_the_text_exactly(text):
    segments = dossier.highlight(text)
    assert "".join(s.text for s in segments) == text
    for s in segments:
        assert set(s.labels) <= {"setback", "cause", "response", "lesson"}
        assert bool(s.cues) == bool(s.labels)


def test_highlight_labels_setback_cause_response_and_lesson_sentences():
    text = ("The migration slipped by six weeks because the extracts were inconsistent. "
            "We re-planned with the client. We learned to profile data first. "
            "The client was delighted.")
    labelled = [(s.text, s.labels) for s in dossier.highlight(text) if s.text.strip()]
    assert labelled == [
        ("The migration slipped by six weeks because the extracts were inconsistent.",
         ("setback", "cause")),
        ("We re-planned with the client.", ("response",)),
        ("We learned to profile data first.", ("lesson",)),
        ("The client was delighted.", ()),
    ]


def test_certificate_status():
    today = date(2026, 6, 1)
    assert dossier.certificate_status(date(2026, 5, 31), today) == "expired"
    assert dossier.certificate_status(date(2026, 6, 1), today) == "soon"
    assert dossier.certificate_status(date(2026, 8, 30), today) == "soon"
    assert dossier.certificate_status(date(2026, 9, 30), today) == "valid"
    assert dossier.certificate_status(None, today) == "no-expiry"


def test_vendor_dossier_derives_slip_overrun_realism_and_candour(app):
    vendor = Vendor(name="Acme")
    vendor.case_studies = [
        CaseStudy(title="Late", planned_months=10, actual_months=15, planned_budget=100,
                  actual_budget=130, setbacks="The cut-over failed because of bad data.",
                  lessons="We learned to rehearse cut-overs."),
        CaseStudy(title="Early", planned_months=10, actual_months=9, planned_budget=200,
                  actual_budget=190),
        CaseStudy(title="No figures", summary="Delivered successfully and on time."),
    ]
    vendor.certifications = [Certification(name="ISO 27001", expires_on=date(2020, 1, 1))]
    db.session.add(vendor)
    db.session.commit()
    view = dossier.vendor_dossier(db.session, vendor.id, today=date(2026, 1, 1))
    by_title = {v.case_study.title: v for v in view.case_studies}
    assert by_title["Late"].slip_pct == 50.0 and by_title["Late"].overrun_pct == 30.0
    assert by_title["Early"].slip_pct == -10.0 and by_title["Early"].overrun_pct == -5.0
    assert by_title["No figures"].slip_pct is None
    assert view.realism.median_slip_pct == 20.0  # median of 50 and -10
    assert view.realism.median_overrun_pct == 12.5
    assert view.realism.on_time_share == 0.5
    assert (view.realism.n, view.realism.n_schedule) == (3, 2)
    assert view.candour.label == "candid"
    assert view.candour.sentences == 3
    assert list(view.certificate_status.values()) == ["expired"]
    headings = [h for h, _ in by_title["Late"].narrative]
    assert headings == ["Setbacks", "Lessons learned"]


def test_demo_candid_and_success_only_vendors_differ(app):
    seed_demo(db.session)
    candid = db.session.scalar(select(Vendor.id).where(Vendor.name == "Acme Delivery"))
    glossy = db.session.scalar(select(Vendor.id).where(Vendor.name == "Dunmore Digital"))
    assert dossier.vendor_dossier(db.session, candid).candour.label == "candid"
    assert dossier.vendor_dossier(db.session, glossy).candour.label == "success-only"
    assert dossier.vendor_dossier(db.session, 99999) is None
