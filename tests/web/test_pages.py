from __future__ import annotations

from sqlalchemy import select

from evaluator.extensions import db
from evaluator.models import Evaluation, Vendor
from evaluator.services.demo import DEMO_PASSWORD, seed_demo
from tests.conftest import login


def _demo_login(client, who="lead"):
    seed_demo(db.session)
    assert login(client, f"{who}@example.com", DEMO_PASSWORD).status_code == 302


def test_dashboard_lists_my_evaluations(client):
    _demo_login(client)
    page = client.get("/").get_data(as_text=True)
    assert "Core banking integration partner (demo)" in page
    assert "Customer portal rebuild (demo)" in page


def test_vendor_list_filters(client):
    _demo_login(client)
    page = client.get("/vendors/?country=Norway").get_data(as_text=True)
    assert "Borealis Systems" in page and "Acme Delivery" not in page
    page = client.get("/vendors/?q=acme").get_data(as_text=True)
    assert "Acme Delivery" in page and "Borealis Systems" not in page
    page = client.get("/vendors/?q=%25").get_data(as_text=True)  # LIKE wildcard is literal
    assert "No vendor matches" in page


def test_vendor_detail_shows_dossier(client):
    _demo_login(client)
    vendor = db.session.scalar(select(Vendor).where(Vendor.name == "Acme Delivery"))
    page = client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert "Case studies" in page and vendor.case_studies[0].title in page
    assert "Tell us about a program that went off track" in page
    assert client.get("/vendors/99999").status_code == 404


def test_evaluation_detail_shows_criteria_members_and_progress(client):
    _demo_login(client)
    evaluation = db.session.scalars(select(Evaluation).order_by(Evaluation.id)).first()
    page = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "Handling setbacks" in page
    assert "Ana Costa" in page
    assert "submitted" in page


def test_admin_audit_page_lists_changes(client):
    _demo_login(client, "admin")
    page = client.get("/admin/audit?entity=Vendor").get_data(as_text=True)
    assert "Acme Delivery" in page and "create" in page


def test_vendor_text_is_escaped(client):
    _demo_login(client)
    vendor = db.session.scalar(select(Vendor).where(Vendor.name == "Acme Delivery"))
    vendor.description = "<script>alert(1)</script>"
    db.session.commit()
    page = client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
