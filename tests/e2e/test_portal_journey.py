"""Vendor portal in Chromium: a lead invites, the vendor fills two case studies and submits, the
lead reviews the diff and accepts, and the dossier shows them. Screenshots of every page go to
test-artifacts/portal/ for a person to look at."""

from __future__ import annotations

import re

import pytest

from .conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.e2e

SHOTS = ARTIFACTS / "portal"

CASE_STUDIES = [
    {"Title": "Claims platform replatforming", "Year": "2022", "Client sector": "Insurance",
     "Planned duration (months)": "14", "Actual duration (months)": "19",
     "Planned budget": "3200000", "Actual budget": "3650000",
     "Summary": "Moved 1.4M policies from a mainframe to a cloud claims platform.",
     "Setbacks": "Cut-over slipped five months because the client's batch extracts carried "
                 "orphaned records our plan had assumed away.",
     "How the vendor responded": "We added two data engineers at our cost and ran nightly "
                                 "reconciliations with the client's team.",
     "Lessons learned": "We now profile source data in the first four weeks of every "
                        "migration."},
    {"Title": "Payments gateway for a retail bank", "Year": "2024", "Client sector": "Banking",
     "Planned duration (months)": "9", "Actual duration (months)": "9",
     "Planned budget": "900000", "Actual budget": "870000",
     "Summary": "PSD2-compliant gateway, live on the planned date.",
     "Setbacks": "A penetration test two weeks before launch found a session fixation issue.",
     "How the vendor responded": "We froze features, fixed it in four days and had it retested.",
     "Lessons learned": "Security testing now starts in the second sprint, not at the end."},
]


def _shot(page, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def test_vendor_submits_through_the_portal_and_lead_accepts(page, browser, live_server):
    # The lead invites a contact at an existing vendor.
    log_in(page, live_server, "lead@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Vendor portal").click()
    page.get_by_role("button", name="Invite a vendor").click()
    page.locator("#vendor_id").select_option(label="Acme Delivery")
    page.get_by_label("Contact name").fill("Jane Bid")
    page.get_by_label("Contact email").fill("jane.bid@acme.example")
    page.get_by_label("Note to the vendor (optional)").fill(
        "Two recent programs are enough, ideally one that did not go to plan.")
    _shot(page, "01-lead-invite")
    page.get_by_role("button", name="Create the link").click()
    assert "shown only once" in page.inner_text("main")
    link = page.locator("#portal-link").input_value()
    assert re.fullmatch(rf"{re.escape(live_server)}/portal/evp_[A-Za-z0-9_-]{{43}}", link)
    _shot(page, "02-lead-link-shown-once")

    # The vendor, in its own browser (no app session), opens the link.
    vendor_context = browser.new_context(viewport={"width": 1280, "height": 900})
    vendor = vendor_context.new_page()
    try:
        vendor.goto(link)
        assert "Information for our vendor evaluation" in vendor.inner_text("main")
        assert "Dashboard" not in vendor.content()
        _shot(vendor, "03-vendor-welcome")
        vendor.get_by_role("button", name="Start").click()
        vendor.get_by_role("button", name="Fill in profile").click()
        vendor.get_by_label("Headcount").fill("5200")
        vendor.get_by_label("Regions served").fill("Nordics, UK, Ireland")
        vendor.get_by_role("button", name="Save draft").click()
        assert "Profile draft saved" in vendor.inner_text("main")
        for n, case_study in enumerate(CASE_STUDIES):
            vendor.get_by_role("button", name="Add a case study").click()
            if n == 0:
                vendor.get_by_text("What a candid answer looks like").click()
            for label, value in case_study.items():
                vendor.get_by_label(label, exact=label in ("Title", "Year")).fill(value)
            vendor.get_by_label("Outcome").select_option("delivered")
            if n == 0:
                _shot(vendor, "04-vendor-case-study-form")
            vendor.get_by_role("button", name="Save case study").click()
            assert "saved in your draft" in vendor.inner_text("main")
        assert vendor.locator("tbody tr").count() == 2
        _shot(vendor, "05-vendor-overview-two-drafts")
        vendor.get_by_role("button", name="Submit to the evaluation team").click()
        assert "Tick the box to confirm" in vendor.inner_text("main")
        vendor.get_by_label("I confirm that this information is accurate").check()
        vendor.get_by_role("button", name="Submit to the evaluation team").click()
        assert "your submission was sent" in vendor.inner_text("main")
        _shot(vendor, "06-vendor-submitted")
    finally:
        vendor_context.close()

    # The lead reviews the diff and accepts both case studies.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Vendor portal").click()
    row = page.locator("tr", has_text="Acme Delivery").first
    assert "Submitted" in row.inner_text()
    _shot(page, "07-lead-status-list")
    row.get_by_role("link", name="Acme Delivery").click()
    main = page.inner_text("main")
    assert "Review: proposed vs current" in main and main.count("new case study") == 2
    assert "5,000" in main and "5,200" in main  # current vs proposed headcount
    _shot(page, "08-lead-review-diff")
    page.get_by_role("button", name="Accept into the dossier").click()
    page.wait_for_url(re.compile(r"/vendors/\d+$"))
    main = page.inner_text("main")
    assert "Submission accepted into the dossier" in main
    for case_study in CASE_STUDIES:
        assert case_study["Title"] in main
    assert "5,200 staff" in main and "Nordics, UK, Ireland" in main
    _shot(page, "09-dossier-after-accept-top", full_page=False)
    page.get_by_text("Claims platform replatforming").first.scroll_into_view_if_needed()
    _shot(page, "09-dossier-accepted-case-study", full_page=False)

    # The link is closed once the submission is decided.
    closed = browser.new_context()
    try:
        other = closed.new_page()
        response = other.goto(link)
        assert response.status == 404 and "This link does not work" in other.inner_text("main")
        _shot(other, "10-vendor-link-closed")
    finally:
        closed.close()
