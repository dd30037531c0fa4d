"""A real server process for the tests that need one (browser tests, schemathesis): a freshly
migrated SQLite database with the demo data in a temporary folder, `flask run` on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLASK = [sys.executable, "-m", "flask"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def seeded_server(workdir: Path, *, secret: str, extra_env: dict | None = None
                  ) -> Iterator[tuple[str, dict]]:
    """Yield (base URL, the server's environment, for CLI commands on the same database);
    the server's output goes to workdir/server.log, which a start-up failure raises with."""
    env = dict(os.environ)
    env.pop("TEST_DATABASE_URL", None)
    env.update(DATABASE_URL=f"sqlite:///{workdir / 'live.db'}", SECRET_KEY=secret,
               FLASK_APP="app.py", **(extra_env or {}))
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([*FLASK, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    log = open(workdir / "server.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([*FLASK, "run", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError((workdir / "server.log").read_text()) from None
                time.sleep(0.2)
        yield base, env
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
