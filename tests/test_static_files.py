"""Static files: fingerprinted URLs, a year's cache lifetime for the current fingerprint only."""

from __future__ import annotations

import re

from flask import url_for

from evaluator import static_files


def test_static_urls_carry_the_content_fingerprint_and_get_a_long_lifetime(app, client):
    with app.test_request_context():
        url = url_for("static", filename="css/app.css")
    assert re.fullmatch(r"/static/css/app\.css\?v=[0-9a-f]{12}", url)
    page = client.get("/login").get_data(as_text=True)
    assert url in page  # templates link the fingerprinted URL
    fresh = client.get(url)
    assert fresh.status_code == 200
    assert f"max-age={static_files.ONE_YEAR}" in fresh.headers["Cache-Control"]
    for stale in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        response = client.get(stale)
        assert response.status_code == 200
        assert "max-age=31536000" not in response.headers.get("Cache-Control", "")


def test_a_changed_file_gets_a_new_fingerprint(app, tmp_path):
    app.static_folder = str(tmp_path)
    (tmp_path / "a.css").write_text("body{}")
    first = static_files.fingerprint(app, "a.css")
    (tmp_path / "a.css").write_text("body{color:red}")
    assert static_files.fingerprint(app, "a.css") != first


def test_fingerprints_never_leave_the_static_folder(app):
    for name in ("../app.py", "../../../../dev/zero", "/etc/passwd", "css", "missing.css"):
        assert static_files.fingerprint(app, name) is None
    with app.test_request_context():
        assert "v=" not in url_for("static", filename="missing.css")
