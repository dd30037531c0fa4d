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
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.live_server import FLASK, ROOT, seeded_server

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("schemathesis")
    # schemathesis calls far faster than any client should: lift the per-token limit
    with seeded_server(workdir, secret="schemathesis",
                       extra_env={"API_LIMIT_PER_TOKEN": "100000 per minute"}) as (base, env):
        created = subprocess.run(
            [*FLASK, "create-token", "admin@example.com", "--scope", "write"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        yield base, created.stdout.strip().splitlines()[-1], workdir


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
