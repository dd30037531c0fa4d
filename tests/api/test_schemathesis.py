"""schemathesis against the live app: property-based requests from /api/v1/openapi.json.

A real server process (flask run) on a free port, with a freshly migrated and seeded SQLite
database in a temporary directory and an admin write token from `flask create-token`, so every
operation (reads, creates, updates, decisions) is exercised. Passing means zero server errors
and zero responses that differ from the document. Bounded (examples per operation, fixed seed)
so it finishes in well under two minutes; it never touches PostgreSQL.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("schemathesis")
    env = dict(os.environ)
    env.pop("TEST_DATABASE_URL", None)
    env.update(DATABASE_URL=f"sqlite:///{workdir / 'api.db'}", SECRET_KEY="schemathesis",
               FLASK_APP="app.py")
    flask = [sys.executable, "-m", "flask"]
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([*flask, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    created = subprocess.run([*flask, "create-token", "admin@example.com", "--scope", "write"],
                             cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    token = created.stdout.strip().splitlines()[-1]
    port = _free_port()
    log = open(workdir / "server.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([*flask, "run", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.terminate()
                raise RuntimeError((workdir / "server.log").read_text()) from None
            time.sleep(0.2)
    yield base, token, workdir
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def test_schemathesis_finds_no_server_errors_and_no_schema_violations(live_api):
    base, token, workdir = live_api
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    report = workdir / "report.json"
    started = time.monotonic()
    result = subprocess.run(
        [st, "run", f"{base}/api/v1/openapi.json",
         "--checks", "not_a_server_error,response_schema_conformance",
         "--header", f"Authorization: Bearer {token}",
         "--max-examples", str(MAX_EXAMPLES), "--seed", "20261127",
         "--phases", "examples,coverage,fuzzing", "--workers", "1",
         "--generation-database", "none", "--no-color", "--output-sanitize", "true",
         "--report", "json", "--report-json-path", str(report)],
        cwd=workdir, capture_output=True, text=True, timeout=300,
    )
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    server_log = (workdir / "server.log").read_text()
    assert result.returncode == 0, f"{output}\n--- server log (tail) ---\n{server_log[-4000:]}"
    assert "Traceback" not in server_log, server_log[-4000:]
    # Every operation of the document was exercised.
    document = json.loads(urllib.request.urlopen(f"{base}/api/v1/openapi.json").read())
    operations = sum(len(methods) for methods in document["paths"].values())
    assert operations >= 14
    print(f"schemathesis: {operations} operations, {elapsed:.0f} s\n{output[-1500:]}")
