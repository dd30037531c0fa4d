"""The PDF recommendation memo: HTML from a Jinja template, PDF from WeasyPrint.

Safety: the memo quotes text that vendors typed (descriptions, case studies, interview answers)
and that evaluators typed (rationales). Jinja escapes all of it, so it can never become markup;
and the renderer gets a URL fetcher that serves files under the app's static/ folder only and
refuses every other URL, path and scheme (http, https, ftp, data, file outside static/, ...) by
raising, before anything is opened. Nothing typed into the platform can make the renderer reach
the network or the file system.
"""

from __future__ import annotations

import gc
import io
import logging
import mimetypes
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)


class RefusedResource(ValueError):
    """The memo renderer asked for something outside the app's static folder."""


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves regular files under ``static_root`` and refuses the rest.

    Subclassing URLFetcher (rather than passing a function) is what WeasyPrint 70 expects; only
    ``fetch`` is overridden, so urllib's handlers are never used. ``refused`` lists the URLs it
    turned away (WeasyPrint logs them as warnings and renders without them).
    """

    def __init__(self, static_root: str | Path):
        super().__init__(allowed_protocols=("file",))
        self.root = Path(static_root).resolve()
        self.refused: list[str] = []
        self.served: list[str] = []

    def base_url(self) -> str:
        """The base URL for the memo's relative links (css/memo.css)."""
        return self.root.as_uri() + "/"

    def resolve(self, url: str) -> Path:
        """The static file ``url`` names, or raise RefusedResource."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise RefusedResource(f"refused to fetch {url[:200]!r}: only the app's static "
                                  "files may be used in a memo")
        if parts.netloc not in ("", "localhost") or parts.query:
            raise RefusedResource(f"refused to fetch {url[:200]!r}: not a local static file")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise RefusedResource(f"refused to fetch {url[:200]!r}: outside the static folder")
        return path

    def fetch(self, url, headers=None):
        try:
            path = self.resolve(url)
        except RefusedResource:
            self.refused.append(url)
            log.warning("memo renderer refused %r", url[:200])
            raise
        self.served.append(url)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                  headers={"Content-Type": mime})


def static_fetcher() -> StaticOnlyFetcher:
    return StaticOnlyFetcher(current_app.static_folder)


def render_memo_html(context) -> str:
    """The memo as one HTML document (all text escaped by Jinja's autoescaping).

    Rendered with the app's Jinja environment (its filters and .html autoescaping) but without
    the request context processors, so the CLI renders exactly what the download serves.
    """
    return current_app.jinja_env.get_template("memos/memo.html").render(memo=context)


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while a memo is built and rendered.

    A memo allocates about a million short-lived objects (rows, boxes, styles, text layouts);
    the collector's repeated passes over them cost 20-40 % of the render time and most of its
    variance (measured: 1.4 s without vs 1.7-2.2 s with, for a 12-vendor memo; see
    docs/PERFORMANCE.md). Reference counting still frees everything as usual; the collector
    resumes (and catches up) as soon as the block ends, also on errors. Nesting is safe.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render_pdf(html: str, fetcher: StaticOnlyFetcher | None = None) -> RenderedPdf:
    """Render memo HTML to a PDF; relative links resolve inside static/ only."""
    fetcher = fetcher or static_fetcher()
    out = io.BytesIO()
    with gc_paused():
        document = HTML(string=html, base_url=fetcher.base_url(), url_fetcher=fetcher).render()
        document.write_pdf(out)
    return RenderedPdf(out.getvalue(), len(document.pages))


def html_to_pdf(html: str, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Render memo HTML to PDF bytes; relative links resolve inside static/ only."""
    return render_pdf(html, fetcher).data


def memo_filename(evaluation_id: int, lens: str | None = None) -> str:
    """A safe download name: ASCII letters, digits and dashes only."""
    suffix = ""
    if lens:
        cleaned = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "-" for ch in lens)
        suffix = "-" + "-".join(filter(None, cleaned.split("-")))[:40]
    return f"memo-evaluation-{evaluation_id}{suffix}.pdf"
