"""The journey the product exists for, in a real browser: a lead sets up an evaluation from the
template, two evaluators score blind, the lead compares, switches lens, and records a decision."""

from __future__ import annotations

import re

import pytest

from .conftest import log_in

pytestmark = pytest.mark.e2e

SHORTLIST = ["Acme Delivery", "Borealis Systems", "Dunmore Digital", "Fathom Engineering"]


def _log_out(page):
    page.get_by_role("button", name=re.compile("Log out")).click()
    page.wait_for_url(re.compile("/login"))


def _score_everything(page, base, eid, level_for):
    page.goto(f"{base}/evaluations/{eid}/score")
    links = page.locator(".score-nav a[href*='vendor=']").evaluate_all(
        "els => els.map(e => e.href)")
    assert len(links) == len(SHORTLIST)
    for i, url in enumerate(links):
        page.goto(url)
        cards = page.locator("fieldset.score-card")
        for j in range(cards.count()):
            level = level_for(i, j)
            cards.nth(j).locator(f"input[type=radio][value='{level}']").check()
            cards.nth(j).locator("textarea").fill(f"Level {level} per the anchors.")
        page.get_by_role("button", name="Save draft").click()
        assert "Draft saved." in page.inner_text("main")


def test_setup_blind_scoring_compare_lens_and_decision(page, live_server):
    base = live_server
    log_in(page, base, "lead@example.com")
    page.goto(base + "/evaluations/new")
    page.get_by_label("Title").fill("E2E claims platform partner")
    page.get_by_label("Program context").fill("Insurer, Solvency II, mainframe.")
    page.get_by_role("button", name="Create evaluation").click()
    page.wait_for_url(re.compile(r"/evaluations/\d+/setup$"))
    eid = re.search(r"/evaluations/(\d+)/", page.url).group(1)
    page.select_option("#vendor_ids", label=SHORTLIST)
    page.get_by_role("button", name="Add to shortlist").click()
    for email in ("ana@example.com", "raj@example.com"):
        page.locator("#members").get_by_label("Email").fill(email)
        page.get_by_role("button", name="Add member").click()
        assert f"{email} added as evaluator." in page.inner_text("main")
    page.goto(f"{base}/evaluations/{eid}")
    page.get_by_role("button", name="Open scoring").click()
    assert "The evaluation is now in scoring." in page.inner_text("main")
    _log_out(page)

    log_in(page, base, "ana@example.com")
    _score_everything(page, base, eid, lambda i, j: 5 if i == 0 else 3)
    # Blind: before submitting, the comparison is closed to Ana.
    response = page.goto(f"{base}/evaluations/{eid}/compare")
    assert response.status == 403
    page.goto(f"{base}/evaluations/{eid}/score")
    page.get_by_role("button", name="Submit my scores").click()
    page.wait_for_url(re.compile("/compare"))
    _log_out(page)

    log_in(page, base, "raj@example.com")
    assert page.goto(f"{base}/evaluations/{eid}/compare").status == 403
    _score_everything(page, base, eid, lambda i, j: 4 if i == 0 else 2 + (j % 2))
    page.goto(f"{base}/evaluations/{eid}/score")
    page.get_by_role("button", name="Submit my scores").click()
    page.wait_for_url(re.compile("/compare"))
    assert "Acme Delivery ranks first" in page.inner_text(".verdict")
    _log_out(page)

    log_in(page, base, "lead@example.com")
    page.goto(f"{base}/evaluations/{eid}/compare")
    page.get_by_role("link", name="Finance", exact=True).click()
    assert "under the Finance lens" in page.inner_text(".verdict")
    assert page.locator("svg.chart").count() >= 4
    page.goto(f"{base}/evaluations/{eid}")
    page.get_by_role("button", name=re.compile("move to review")).click()
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_label("Rationale").fill("Strongest on setbacks and delivery record under every "
                                        "lens.")
    page.get_by_label("Dissent noted").fill("Raj preferred a cheaper vendor.")
    page.get_by_role("button", name="Record decision").click()
    text = page.inner_text("main")
    assert "Decision recorded" in text and "Acme Delivery" in text
    page.get_by_role("link", name="Verify the snapshot").click()
    assert "Reproduced exactly" in page.inner_text("main")
