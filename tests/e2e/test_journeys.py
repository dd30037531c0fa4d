from __future__ import annotations

import re

import pytest

from .conftest import log_in

pytestmark = pytest.mark.e2e


def test_lead_logs_in_and_opens_the_demo_evaluation(page, live_server):
    log_in(page, live_server, "lead@example.com")
    assert "Signed in as Priya Shah" in page.inner_text("main")
    page.get_by_role("link", name="Core banking integration partner (demo)").first.click()
    page.wait_for_url(re.compile(r"/evaluations/\d+$"))
    assert page.get_by_role("heading", name="Criteria").is_visible()
    assert "Handling setbacks" in page.inner_text("main")
    page.get_by_role("link", name="Acme Delivery").click()
    assert "Case studies" in page.inner_text("main")


def test_vendor_register_filters_in_the_browser(page, live_server):
    log_in(page, live_server, "ana@example.com")
    page.get_by_role("link", name="Vendors").click()
    page.get_by_label("Country").select_option("Norway")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert "Borealis Systems" in rows.first.inner_text()


def test_wrong_password_shows_a_clear_message(page, live_server):
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill("lead@example.com")
    page.get_by_label("Password").fill("wrong-password-123")
    page.get_by_role("button", name="Log in").click()
    assert "Invalid email or password." in page.inner_text("main")


def test_admin_reads_the_audit_trail(page, live_server):
    log_in(page, live_server, "admin@example.com")
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("Entity").select_option("Vendor")
    page.get_by_role("button", name="Filter").click()
    assert "Acme Delivery" in page.inner_text("table")
    page.get_by_role("link", name="Check the chain").click()
    assert "Intact." in page.inner_text("main")
    page.get_by_role("link", name="Back to the audit trail").click()
    page.get_by_label("Entity").select_option("Vendor")
    page.get_by_role("button", name="Filter").click()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("as CSV")).click()
    lines = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("id,at,actor_id,actor,action,entity_type")
    assert len(lines) > 1 and all(",Vendor," in line for line in lines[1:])
    page.get_by_role("button", name=re.compile("Log out")).click()
    page.wait_for_url(re.compile(r"/login"))
