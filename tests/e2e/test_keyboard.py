"""Keyboard-only scoring: Tab, arrow keys, typing and Space, with a visible focus ring throughout."""

from __future__ import annotations

import re

import pytest

from .conftest import log_in

pytestmark = pytest.mark.e2e

FOCUSED = """() => {
    const e = document.activeElement;
    const style = getComputedStyle(e);
    return {tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '',
            value: e.value || '', checked: !!e.checked, text: (e.textContent || '').trim(),
            outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
            focusVisible: e.matches(':focus-visible')};
}"""


def _assert_visible_focus(info):
    assert info["focusVisible"], f"{info} is focused but not :focus-visible"
    assert info["outline"] != "none" and info["outlineWidth"] >= 2, (
        f"focused {info['tag']} {info['name']!r} has no visible outline: {info}")


def _cards(page):
    """[(radio group name, checked value or None, rationale)] as the server rendered them."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('fieldset.score-card'))
        .map(card => {
            const checked = card.querySelector('input[type=radio]:checked');
            return [card.querySelector('input[type=radio]').name,
                    checked ? checked.value : null,
                    card.querySelector('textarea').value];
        })""")


def test_an_evaluator_scores_a_vendor_with_the_keyboard_only(page, live_server):
    base = live_server
    log_in(page, base, "tom@example.com")
    page.goto(base + "/evaluations/")
    page.get_by_role("link", name="Customer portal rebuild (demo)").click()
    page.wait_for_url(re.compile(r"/evaluations/\d+$"))
    page.goto(page.url + "/score")
    vendor_url = page.locator(".score-nav a[href*='vendor=']").first.get_attribute("href")
    page.goto(base + vendor_url)
    before = {group: value for group, value, _ in _cards(page)}
    radio_values = page.locator("fieldset.score-card").first.locator(
        "input[type=radio]").evaluate_all("els => els.map(e => e.value)")

    expected: dict[str, str] = {}
    seen_radio_groups: set[str] = set()
    saved = False
    for _ in range(400):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUSED)
        if info["type"] == "radio" and info["name"] not in seen_radio_groups:
            _assert_visible_focus(info)
            seen_radio_groups.add(info["name"])
            # Arrow keys move within the group and check the option they land on.
            page.keyboard.press("ArrowDown")
            now = page.evaluate(FOCUSED)
            assert now["checked"] and now["name"] == info["name"]
            _assert_visible_focus(now)
            expected[info["name"]] = now["value"]
        elif info["type"] == "checkbox" and info["name"].endswith("insufficient"):
            _assert_visible_focus(info)
            if info["checked"]:
                page.keyboard.press("Space")  # a level was chosen: not "insufficient" any more
                assert not page.evaluate(FOCUSED)["checked"]
        elif info["tag"] == "textarea":
            _assert_visible_focus(info)
            page.keyboard.press("Control+A")
            page.keyboard.type(f"Keyboard-only rationale for {info['name']}.")
        elif info["type"] == "submit" and "Save draft" in (info["value"], info["text"]):
            _assert_visible_focus(info)
            # Let a pending autosave finish, as a person pausing before saving would.
            page.wait_for_timeout(1200)
            page.wait_for_load_state("networkidle")
            # Wait for the page the form's POST leads to, not the one still showing.
            with page.expect_navigation():
                page.keyboard.press("Space")
            saved = True
            break
    assert saved, "Tab never reached the Save draft button"
    assert "Draft saved." in page.inner_text("main")

    # Re-read what the server stored.
    page.goto(base + vendor_url)
    after = _cards(page)
    assert len(seen_radio_groups) == len(after) >= 5
    for group, value, rationale in after:
        assert value == expected[group]
        assert rationale == f"Keyboard-only rationale for {group.replace('value', 'rationale')}."
        # ArrowDown moved off the old level; with none set, Tab focused the first option and
        # ArrowDown moved on to the second (the demo's tom has cells not yet scored).
        old = before[group]
        assert value == (radio_values[1] if old is None else
                         radio_values[(radio_values.index(old) + 1) % len(radio_values)])


def test_the_focus_ring_is_visible_on_links_and_buttons(page, live_server):
    log_in(page, live_server, "lead@example.com")
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first["tag"] == "a" and "Skip" in first["text"]
    _assert_visible_focus(first)
    kinds = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUSED)
        if info["tag"] == "body":  # past the last control
            break
        _assert_visible_focus(info)
        kinds.add(info["tag"])
    assert {"a", "button"} <= kinds
