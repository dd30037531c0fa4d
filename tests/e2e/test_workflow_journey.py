"""The journey the product exists for, in a real browser: a lead sets up an evaluation from the
template, two evaluators declare no conflicts and score blind (citing evidence), the lead
compares the interim result, closes scoring, holds a moderation round in which an evaluator
revises a divergent score with a reason, records a decision, and the final memo shows the
independent and moderated scores side by side."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from .conftest import log_in

pytestmark = pytest.mark.e2e

SHORTLIST = ["Acme Delivery", "Borealis Systems", "Dunmore Digital", "Fathom Engineering"]


def _log_out(page):
    page.get_by_role("button", name=re.compile("Log out")).click()
    page.wait_for_url(re.compile("/login"))


def _score_everything(page, base, eid, level_for):
    page.goto(f"{base}/evaluations/{eid}/score")
    if "/attest" in page.url:  # conflicts first, before the dossier is seen
        page.get_by_label("I have no conflict of interest with any shortlisted vendor").check()
        page.get_by_role("button", name="Record my declaration").click()
        assert "Declaration recorded" in page.inner_text("main")
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
            cards.nth(j).locator("select").select_option(index=0)  # cite the evidence
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
    # Raj's 1 beside Ana's 3 (second vendor, first criterion) is a divergent cell.
    _score_everything(page, base, eid, lambda i, j: 4 if i == 0 else (
        1 if (i, j) == (1, 0) else 2 + (j % 2)))
    page.goto(f"{base}/evaluations/{eid}/score")
    page.get_by_role("button", name="Submit my scores").click()
    page.wait_for_url(re.compile("/compare"))
    assert "Acme Delivery currently leads (interim)" in page.inner_text(".verdict")
    assert "Interim result, not a decision." in page.inner_text("main")
    _log_out(page)

    log_in(page, base, "lead@example.com")
    page.goto(f"{base}/evaluations/{eid}/compare")
    page.get_by_role("link", name="Finance", exact=True).click()
    assert "under the Finance lens" in page.inner_text(".verdict")
    assert page.locator("svg.chart").count() >= 4
    page.goto(f"{base}/evaluations/{eid}")
    page.get_by_role("button", name=re.compile("move to review")).click()
    page.get_by_role("button", name="Open the moderation round").click()
    assert "The evaluation is now in moderation." in page.inner_text("main")
    _log_out(page)

    log_in(page, base, "raj@example.com")
    page.goto(f"{base}/evaluations/{eid}/moderation")
    cell = page.locator("article.moderation-cell", has_text="Borealis Systems").first
    form = cell.locator("form.moderation-form")
    form.locator("select").select_option(label="3")
    form.locator("textarea").fill("Consensus meeting: the second case study shows a recovery.")
    form.get_by_role("button", name="Record").click()
    assert "Moderated score recorded beside the independent one." in page.inner_text("main")
    _log_out(page)

    log_in(page, base, "lead@example.com")
    page.goto(f"{base}/evaluations/{eid}/compare")
    moderation = page.inner_text("#moderation")
    assert "Independent and moderated scores" in moderation and "second case study" in moderation
    page.goto(f"{base}/evaluations/{eid}")
    page.get_by_role("button", name="Close the moderation round").click()
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_label("Rationale").fill("Strongest on setbacks and delivery record under every "
                                        "lens.")
    page.get_by_label("Dissent noted").fill("Raj preferred a cheaper vendor.")
    page.get_by_role("button", name="Record decision").click()
    text = page.inner_text("main")
    assert "Decision recorded" in text and "Acme Delivery" in text
    page.get_by_role("link", name="Verify the snapshot").click()
    assert "Reproduced exactly" in page.inner_text("main")
    memo = page.request.get(f"{base}/evaluations/{eid}/memo.pdf")
    assert memo.status == 200
    text = " ".join(" ".join((p.extract_text() or "").split())
                    for p in PdfReader(io.BytesIO(memo.body())).pages)
    assert "Recommendation: award to" in text or "No clear winner" in text
    assert "DRAFT - NOT FOR DECISION" not in text
    assert "Independent and moderated scores" in text and "second case study" in text
