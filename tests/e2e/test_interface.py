"""The interface in a real browser: a dashboard per role that leads to the next step, tables that
sort and filter, and every main page usable at tablet width (800 px) without sideways scrolling.
Screenshots of each page at 1280 and 800 px go to test-artifacts/screens/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest

from .conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.e2e

SCREENS = ARTIFACTS / "screens"


def _eval_url(page, base, title):
    page.goto(base + "/evaluations/")
    href = page.get_by_role("link", name=title).first.get_attribute("href")
    return base + href


def test_lead_dashboard_chases_missing_scores(page, live_server):
    log_in(page, live_server, "lead@example.com")
    missing = page.locator("#missing-scores")
    text = missing.inner_text()
    assert "Customer portal rebuild (demo)" in text
    # Tom is the one evaluator in the demo who has not submitted.
    row = missing.get_by_role("row", name=re.compile("Tom Berg"))
    assert re.search(r"\d+ of 36", row.inner_text())
    assert "Ana Costa" not in text
    assert "Core banking integration partner (demo)" in page.locator("#in-review").inner_text()
    missing.get_by_role("link", name="Customer portal rebuild (demo)").click()
    page.wait_for_url(re.compile(r"/evaluations/\d+$"))
    assert "Members and progress" in page.inner_text("main")


def test_evaluator_dashboard_links_to_the_open_scoring_task(page, live_server):
    log_in(page, live_server, "tom@example.com")
    tasks = page.locator("#scoring-tasks")
    assert "Customer portal rebuild (demo)" in tasks.inner_text()
    assert re.search(r"(of|All) 36 scores given", tasks.inner_text())
    tasks.get_by_role("button", name=re.compile("Continue scoring|Review and submit")).click()
    page.wait_for_url(re.compile(r"/evaluations/\d+/score$"))
    assert page.get_by_role("heading", name="Score the shortlist").is_visible()


def test_observer_dashboard_opens_the_comparison_of_evaluations_in_review(page, live_server):
    log_in(page, live_server, "cto@example.com")
    assert page.locator("#scoring-tasks").count() == 0
    review = page.locator("#in-review")
    assert "Core banking integration partner (demo)" in review.inner_text()
    review.get_by_role("button", name=re.compile("Open the comparison")).first.click()
    page.wait_for_url(re.compile(r"/compare$"))
    assert "ranks first" in page.inner_text(".verdict")


def test_tables_sort_and_filter_in_the_browser(page, live_server):
    log_in(page, live_server, "admin@example.com")
    page.goto(live_server + "/admin/users")
    table = page.locator("#users-table")

    def emails():
        return [e.strip() for e in table.locator("tbody tr:visible td:first-child").all_inner_texts()]

    page.get_by_role("button", name="Email").click()
    assert table.locator("th").first.get_attribute("aria-sort") == "ascending"
    assert emails() == sorted(emails()) and len(emails()) >= 7
    page.get_by_role("button", name="Email").click()
    assert table.locator("th").first.get_attribute("aria-sort") == "descending"
    assert emails() == sorted(emails(), reverse=True)
    page.get_by_label("Filter users").fill("raj@")
    assert emails() == ["raj@example.com"]
    assert "1 of" in page.locator(".table-filter [role=status]").inner_text()
    page.get_by_label("Filter users").fill("")
    assert len(emails()) >= 7


def test_tables_work_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "lead@example.com")
    page.goto(live_server + "/evaluations/")
    assert page.locator("#evaluations-table tbody tr").count() >= 2
    assert page.locator(".sort-button, .table-filter").count() == 0
    context.close()


# (who, path or evaluation title + suffix, screenshot name)
MAIN_PAGES = [
    (None, "/login", "login"),
    ("lead", "/", "dashboard-lead"),
    ("tom", "/", "dashboard-evaluator"),
    ("cto", "/", "dashboard-cto"),
    ("lead", "/evaluations/", "evaluations"),
    ("lead", ("Core banking integration partner (demo)", ""), "evaluation-detail"),
    ("lead", ("Customer portal rebuild (demo)", "/setup"), "evaluation-setup"),
    ("tom", ("Customer portal rebuild (demo)", "/score"), "scoring"),
    ("lead", ("Core banking integration partner (demo)", "/compare"), "comparison"),
    ("lead", ("Core banking integration partner (demo)", "/decide"), "decide"),
    ("lead", "/vendors/", "vendors"),
    ("lead", "/outcomes/", "past-programs"),
    ("admin", "/admin/users", "admin-users"),
    ("admin", "/admin/audit", "admin-audit"),
    ("lead", "/settings/tokens", "api-tokens"),
]


@pytest.mark.parametrize(("who", "target", "name"), MAIN_PAGES, ids=[n for *_, n in MAIN_PAGES])
def test_main_pages_fit_a_tablet_without_sideways_scrolling(browser, live_server, who, target,
                                                            name):
    SCREENS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    if who:
        log_in(page, live_server, f"{who}@example.com")
    if isinstance(target, tuple):
        url = _eval_url(page, live_server, target[0]) + target[1]
    else:
        url = live_server + target
    assert page.goto(url).status == 200
    page.screenshot(path=str(SCREENS / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 800, "height": 1000})
    page.goto(url)
    page.screenshot(path=str(SCREENS / f"{name}-800.png"), full_page=True)
    widths = page.evaluate("""() => ({scroll: document.documentElement.scrollWidth,
                                      view: window.innerWidth,
                                      wide: Array.from(document.querySelectorAll('body *'))
                                        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                                                     && !e.closest('.table-scroll'))
                                        .slice(0, 5).map(e => e.tagName + '.' + e.className)})""")
    assert widths["scroll"] <= widths["view"], f"{name} overflows at 800 px: {widths}"
    context.close()
