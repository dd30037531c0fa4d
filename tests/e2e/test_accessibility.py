"""axe-core (vendored in static/vendor/axe-core) on every main page, as the role that uses it.

The CSP allows only same-origin scripts, so axe is loaded through the app's own static URL
(add_script_tag(path=...) would inline it, which the CSP rightly blocks).
"""

from __future__ import annotations

import re

import pytest

from .conftest import log_in

pytestmark = pytest.mark.e2e

AXE_URL = "/static/vendor/axe-core/axe.min.js"
BLOCKING = {"serious", "critical"}

# (who, path template, what the page must show). {core}/{portal}: the two demo evaluations
# (Core banking in review, Customer portal in scoring); {vendor}: Acme Delivery.
PAGES = [
    (None, "/login", "Log in"),
    ("lead", "/", "Dashboard"),
    ("ana", "/", "Dashboard"),
    ("cto", "/", "Dashboard"),
    ("admin", "/", "Dashboard"),
    ("lead", "/vendors/", "Vendor register"),
    ("lead", "/vendors/{vendor}", "Case studies"),
    ("lead", "/vendors/new", "vendor"),
    ("lead", "/vendors/{vendor}/case-studies/new", "ase study"),
    ("lead", "/vendors/import", "Import"),
    ("lead", "/vendors/guides", "nterview"),
    ("lead", "/evaluations/", "Evaluations"),
    ("lead", "/evaluations/new", "evaluation"),
    ("lead", "/evaluations/{core}", "Criteria"),
    ("ana", "/evaluations/{portal}", "Criteria"),
    ("cto", "/evaluations/{core}", "Criteria"),
    ("lead", "/evaluations/{portal}/setup", "Setup"),
    ("tom", "/evaluations/{portal}/score", "Score"),
    ("tom", "/evaluations/{portal}/score?vendor={portal_vendor}", "Score"),
    ("lead", "/evaluations/{core}/compare", "ranks"),
    ("cto", "/evaluations/{core}/compare", "ranks"),
    ("lead", "/evaluations/{core}/decide", "decision"),
    ("admin", "/admin/users", "Users"),
    ("admin", "/admin/audit", "Audit"),
    ("admin", "/admin/audit/verify", "chain"),
    ("admin", "/admin/webhooks", "ebhook"),
    ("lead", "/outcomes/", "Past programs"),
    ("lead", "/outcomes/model", "odel"),
    ("lead", "/settings/tokens", "token"),
    ("ana", "/account/password", "assword"),
]


@pytest.fixture(scope="module")
def demo_ids(browser, live_server):
    """Ids of the demo records, read from the pages a user sees (no database access)."""
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, "lead@example.com")
    page.goto(live_server + "/evaluations/")

    def eval_id(title):
        href = page.get_by_role("link", name=title).first.get_attribute("href")
        return re.search(r"/evaluations/(\d+)", href).group(1)

    ids = {"core": eval_id("Core banking integration partner (demo)"),
           "portal": eval_id("Customer portal rebuild (demo)")}
    page.goto(live_server + "/vendors/")
    href = page.get_by_role("link", name="Acme Delivery").first.get_attribute("href")
    ids["vendor"] = re.search(r"/vendors/(\d+)", href).group(1)
    page.goto(live_server + "/vendors/")
    href = page.get_by_role("link", name="Everline Partners").first.get_attribute("href")
    ids["portal_vendor"] = re.search(r"/vendors/(\d+)", href).group(1)
    context.close()
    return ids


@pytest.fixture(scope="module")
def sessions(browser, live_server):
    """One logged-in browser context per demo user, created on first use."""
    contexts = {}

    def get(who):
        if who not in contexts:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            if who is not None:
                log_in(context.new_page(), live_server, f"{who}@example.com")
            contexts[who] = context
        return contexts[who]

    yield get
    for context in contexts.values():
        context.close()


def run_axe(page, base) -> list[dict]:
    page.add_script_tag(url=base + AXE_URL)
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                resultTypes: ['violations'],
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
            }));
        }"""
    )
    return result


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} node(s))")
        for node in v["nodes"][:8]:
            summary = (node["summary"] or "").replace("\n", " / ")
            lines.append(f"    {node['target']}: {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize(("who", "path", "marker"), PAGES,
                         ids=[f"{w or 'anonymous'}:{p}" for w, p, _ in PAGES])
def test_page_has_no_serious_axe_violation(sessions, demo_ids, live_server, who, path, marker):
    context = sessions(who)
    page = context.new_page()
    try:
        url = live_server + path.format(**demo_ids)
        response = page.goto(url)
        assert response.status == 200, f"{url}: HTTP {response.status}"
        assert marker in page.inner_text("main"), f"{url} does not show {marker!r}"
        violations = run_axe(page, live_server)
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        assert not blocking, f"axe on {path} as {who}:\n{describe(blocking)}"
    finally:
        page.close()


def test_axe_finds_a_planted_violation(sessions, live_server):
    """The check can fail: an unlabelled input added to a real page is reported."""
    page = sessions("lead").new_page()
    page.goto(live_server + "/vendors/")
    page.evaluate("document.querySelector('main').append(document.createElement('input'))")
    ids = {v["id"] for v in run_axe(page, live_server) if v["impact"] in BLOCKING}
    page.close()
    assert "label" in ids
