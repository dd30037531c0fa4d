"""The memo renderer fetches nothing but the app's static files, whatever a vendor typed."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from evaluator import memos
from evaluator.extensions import db
from evaluator.models import Score, Vendor
from evaluator.services import memos as memo_service

from .conftest import pdf_text, squeeze

IMG = '<img src="http://127.0.0.1:1/x">'
CSS = "url(file:///etc/passwd)"
SCRIPT = "<script>alert(1)</script>"
STYLE = '"><style>@import url(http://127.0.0.1:1/y.css);</style>'
LINK = "<link rel=stylesheet href=https://example.com/evil.css>"


class RecordingFetcher(memos.StaticOnlyFetcher):
    """The production fetcher, recording every URL WeasyPrint asks for."""

    def __init__(self, root):
        super().__init__(root)
        self.asked: list[str] = []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        return super().fetch(url, headers)


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries to open a URL through urllib."""
    opened = []

    def refuse(self, url, *args, **kwargs):
        opened.append(url)
        raise AssertionError(f"network or file access attempted: {url!r}")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    return opened


def _make_hostile(demo):
    """Hostile text in the leader's description, cited case study and every rationale."""
    leader = db.session.scalars(select(Vendor).where(
        Vendor.name == "Ironbridge Technology")).one()
    leader.description = f"Partner {IMG} styled {CSS} with {SCRIPT} {LINK}"
    cited = leader.case_studies[0]  # the demo scores cite the first case study
    cited.setbacks = (f"The cut-over was delayed by {IMG} and {CSS} because of {SCRIPT} "
                      "a vendor defect.")
    cited.lessons = f"We learned to escape {STYLE} next time."
    for score in db.session.scalars(select(Score).where(Score.evaluation_id == demo.id,
                                                        Score.vendor_id == leader.id)):
        score.rationale = f"Evidence {IMG} and {CSS} plus {SCRIPT}"
    demo.program_context = f"Context {STYLE} {IMG}"
    db.session.commit()


def test_hostile_text_appears_as_text_and_triggers_no_fetch(app, demo, no_network):
    _make_hostile(demo)
    memo = memo_service.build_memo(db.session, demo.id)
    html = memos.render_memo_html(memo)
    assert "<img" not in html and "<script" not in html and "@import" not in html.split(
        "</head>")[0]
    assert "&lt;img src=&#34;http://127.0.0.1:1/x&#34;&gt;" in html
    fetcher = RecordingFetcher(current_app.static_folder)
    text = squeeze(pdf_text(memos.html_to_pdf(html, fetcher)))
    for hostile in (IMG, CSS, SCRIPT, STYLE):
        assert squeeze(hostile) in text, hostile
    static_css = (Path(current_app.static_folder) / "css" / "memo.css").resolve().as_uri()
    assert fetcher.asked == [static_css]  # the stylesheet, and nothing the vendors typed
    assert fetcher.refused == []
    assert no_network == []


def test_the_fetcher_is_what_weasyprint_uses(app, no_network):
    """Markup that does reach the renderer (never vendor text) is refused by our fetcher."""
    html = ('<html><head><link rel="stylesheet" href="css/memo.css">'
            '<link rel="stylesheet" href="http://127.0.0.1:1/a.css">'
            '<style>@import url("file:///etc/passwd"); body { background: url(data:image/png;'
            'base64,iVBORw0KGgo=) }</style></head><body><p>ok</p>'
            '<img src="http://127.0.0.1:1/x"><img src="../evaluator/config.py">'
            '<img src="file:///etc/hostname"></body></html>')
    fetcher = RecordingFetcher(current_app.static_folder)
    data = memos.html_to_pdf(html, fetcher)
    assert data.startswith(b"%PDF-") and "ok" in pdf_text(data)
    assert len(fetcher.served) == 1 and fetcher.served[0].endswith("/static/css/memo.css")
    refused = " ".join(fetcher.refused)
    for url in ("http://127.0.0.1:1/a.css", "file:///etc/passwd", "data:image/png",
                "http://127.0.0.1:1/x", "evaluator/config.py", "file:///etc/hostname"):
        assert url in refused, url
    assert no_network == []


@pytest.fixture
def static_root(tmp_path):
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "memo.css").write_text("body { color: black }")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:1/x",
    "https://example.com/memo.css",
    "ftp://example.com/a",
    "data:text/css,body{color:red}",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "file://remotehost{root}/css/memo.css",
    "file://{root}/css/memo.css?x=1",
    "file://{root}/../secret.txt",
    "file://{root}/%2e%2e/secret.txt",
    "file://{root}/link.txt",
    "file://{root}/css",
    "file://{root}/css/missing.css",
    "css/memo.css",
    "",
])
def test_fetcher_refuses_everything_outside_static(static_root, url, no_network):
    fetcher = memos.StaticOnlyFetcher(static_root)
    url = url.replace("{root}", str(static_root))
    with pytest.raises(memos.RefusedResource):
        fetcher.fetch(url)
    assert fetcher.refused == [url]
    assert fetcher.served == []


def test_fetcher_serves_a_static_file(static_root):
    fetcher = memos.StaticOnlyFetcher(static_root)
    response = fetcher.fetch(fetcher.base_url() + "css/memo.css")
    assert response.read() == b"body { color: black }"
    assert response.content_type == "text/css"
    assert fetcher.refused == []


def test_filename_is_safe():
    assert memos.memo_filename(3) == "memo-evaluation-3.pdf"
    assert memos.memo_filename(3, 'Fi"nance/../ é') == "memo-evaluation-3-fi-nance.pdf"
