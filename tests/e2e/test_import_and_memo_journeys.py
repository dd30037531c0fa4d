"""The procurement lead's spreadsheet import and the CTO's memo download, in Chromium."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from .conftest import log_in

pytestmark = pytest.mark.e2e

CSV = (
    "name,country,sector,website,headcount,description\n"
    "E2E Imported Partners,Denmark,Financial services,https://e2e.example,120,Imported in a "
    "browser test\n"
    "E2E Second Import,Finland,Energy,,45,\n"
)


def test_lead_imports_vendors_with_a_preview_then_confirms(page, live_server, tmp_path):
    path = tmp_path / "vendors.csv"
    path.write_text(CSV, encoding="utf-8")
    log_in(page, live_server, "lead@example.com")
    page.goto(live_server + "/vendors/import")
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Check file").click()
    preview = page.inner_text("main")
    assert "E2E Imported Partners" in preview and "E2E Second Import" in preview
    page.get_by_role("button", name=re.compile(r"Import 2 rows")).click()
    page.goto(live_server + "/vendors/?q=E2E")
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert "Denmark" in page.inner_text("tbody")


def test_cto_compares_switches_lens_and_downloads_the_memo(page, live_server):
    log_in(page, live_server, "cto@example.com")
    page.get_by_role("link", name="Core banking integration partner (demo)").first.click()
    page.get_by_role("button", name="Compare the shortlist").click()
    page.wait_for_url(re.compile(r"/compare"))
    page.get_by_role("link", name="Compliance", exact=True).click()
    assert "under the Compliance lens" in page.inner_text(".verdict")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download memo (PDF)").click()
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"%PDF")
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(data)).pages)
    assert "Recommendation memo" in text and "Compliance" in text
