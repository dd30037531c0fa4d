"""A new user adds a vendor with two case studies and an interview, then reads the derived
figures and highlights: four forms, in Chromium."""

from __future__ import annotations

import re

import pytest

from .conftest import log_in

pytestmark = pytest.mark.e2e


def _case_study(page, title, planned, actual, setback, lesson):
    page.get_by_label("Title").fill(title)
    page.get_by_label("Client sector").fill("Financial services")
    page.get_by_label("Planned duration (months)").fill(str(planned))
    page.get_by_label("Actual duration (months)").fill(str(actual))
    page.get_by_label("Setbacks").fill(setback)
    page.get_by_label("Lessons learned").fill(lesson)
    page.get_by_role("button", name="Add case study").click()


def test_add_vendor_two_case_studies_and_an_interview(page, live_server):
    log_in(page, live_server, "lead@example.com")
    page.goto(live_server + "/vendors/new")
    page.locator("#name").fill("Quickstart Delivery")
    page.get_by_label("Country").first.fill("Portugal")
    page.get_by_role("button", name="Add vendor").click()
    page.wait_for_url(re.compile(r"/vendors/\d+$"))
    vendor_url = page.url
    page.goto(vendor_url + "/case-studies/new")
    _case_study(page, "Claims migration", 10, 13,
                "The migration slipped by three months because the legacy data was "
                "inconsistent.", "We learned to profile legacy data in week one.")
    page.goto(vendor_url + "/case-studies/new")
    _case_study(page, "Payments hub", 12, 12, "", "In hindsight we would involve operations "
                                                  "earlier.")
    page.goto(vendor_url + "/interviews/new")
    page.locator("#held_on").fill("2026-11-20")
    page.locator("#interviewers").fill("Ana Costa, Raj Patel")
    answers = page.locator("textarea")
    answers.first.fill("A program went off track when the vendor API changed; we re-planned "
                       "with the client and we learned to test integrations early.")
    page.get_by_role("button", name="Save interview").click()
    page.goto(vendor_url)
    text = page.inner_text("main")
    assert "Claims migration" in text and "Payments hub" in text
    assert "Schedule slip +30" in text  # 10 planned, 13 actual months
    assert page.locator("mark").count() >= 3  # highlighted setback / lesson sentences
