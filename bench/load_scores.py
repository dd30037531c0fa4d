"""Concurrent score saving under gunicorn: no server error, no acknowledged score lost.

    python bench/load_scores.py --db sqlite            # SQLite file in a temp dir
    python bench/load_scores.py --db postgresql://postgres@127.0.0.1:5432/loadtest

Starts gunicorn (4 workers) on a free local port against a fresh database with one evaluation in
scoring (4 vendors x 9 criteria) and 32 evaluators; 32 client threads, each logged in as its own
evaluator, save score sheets through the autosave endpoint for --seconds (default 120). Every
acknowledged save (HTTP 200) is remembered; afterwards each evaluator's stored scores must equal
its last acknowledged values. Prints throughput, latency percentiles and the verdict; exits 1 on
any 5xx or lost score. Traffic goes to 127.0.0.1 only and stops by itself.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-test-passphrase-2026"
CLIENTS = 32
TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict) -> int:
    """Create the schema and the load-test evaluation; returns its id."""
    code = f"""
from evaluator import create_app
from evaluator.extensions import db
from evaluator.models import *
from evaluator.services.templates import ensure_builtin_template
from evaluator.services.evaluations import create_from_template
from evaluator.services import users
app = create_app()
with app.app_context():
    template = ensure_builtin_template(db.session)
    lead = users.create_user(db.session, 'lead@load-test.example.com', role='lead', password={PASSWORD!r},
                             commit=False)
    ev = create_from_template(db.session, title='Load test', template=template, created_by=lead)
    ev.status = 'scoring'
    for i in range(4):
        ev.shortlist.append(ShortlistEntry(vendor=Vendor(name=f'Load vendor {{i}}')))
    for i in range({CLIENTS}):
        u = users.create_user(db.session, f'ev{{i}}@load-test.example.com', role='evaluator',
                              password={PASSWORD!r}, commit=False)
        ev.members.append(Membership(user=u, role='evaluator'))
    db.session.commit()
    print(ev.id)
"""
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


class Client:
    def __init__(self, base: str, email: str, evaluation_id: int):
        self.base, self.email, self.eid = base, email, evaluation_id
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.latencies: list[float] = []
        self.server_errors = 0
        self.other_errors = 0
        self.acked: dict[tuple[int, int], float] = {}
        self.versions: dict[tuple[int, int], int] = {}

    def _open(self, path, data=None, headers=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def login(self):
        _, html = self._open("/login")
        token = TOKEN_RE.search(html).group(1)
        status, _ = self._open("/login", {"email": self.email, "password": PASSWORD,
                                          "csrf_token": token})
        assert status == 200, f"login failed for {self.email}: {status}"

    def sheet(self, vendor_id: int):
        _, html = self._open(f"/evaluations/{self.eid}/score?vendor={vendor_id}")
        token = TOKEN_RE.search(html).group(1)
        criteria = [int(c) for c in re.findall(r'name="rows-\d+-criterion_id" type="hidden" '
                                                 r'value="(\d+)"', html)]
        return token, criteria

    def run(self, vendors: list[int], deadline: float, rng: random.Random):
        self.login()
        sheets = {v: self.sheet(v) for v in vendors}
        while time.monotonic() < deadline:
            vendor = rng.choice(vendors)
            token, criteria = sheets[vendor]
            data = {"csrf_token": token}
            values = {}
            for i, criterion in enumerate(criteria):
                value = rng.randint(1, 5)
                values[(vendor, criterion)] = value
                data[f"rows-{i}-criterion_id"] = criterion
                data[f"rows-{i}-vendor_id"] = vendor
                data[f"rows-{i}-version"] = self.versions.get((vendor, criterion), "")
                data[f"rows-{i}-value"] = value
                data[f"rows-{i}-rationale"] = "load test"
            started = time.perf_counter()
            status, body = self._open(
                f"/evaluations/{self.eid}/score/autosave?vendor={vendor}", data,
                {"Accept": "application/json"})
            self.latencies.append(time.perf_counter() - started)
            if status >= 500:
                self.server_errors += 1
            elif status != 200:
                self.other_errors += 1
            else:
                versions = json.loads(body)["versions"]
                for (v, c), value in values.items():
                    self.acked[(v, c)] = value
                    self.versions[(v, c)] = versions[f"{v}-{c}"]


def verify(env: dict, evaluation_id: int, clients: list[Client]) -> int:
    code = f"""
import json
from sqlalchemy import select
from evaluator import create_app
from evaluator.extensions import db
from evaluator.models import Score, User
app = create_app()
with app.app_context():
    rows = db.session.execute(select(User.email, Score.vendor_id, Score.criterion_id, Score.value)
        .join(User, User.id == Score.evaluator_id).where(Score.evaluation_id == {evaluation_id}))
    print(json.dumps([[e, v, c, val] for e, v, c, val in rows]))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True)
    stored = {(e, v, c): val for e, v, c, val in json.loads(out.stdout.strip().splitlines()[-1])}
    lost = 0
    for client in clients:
        for (v, c), value in client.acked.items():
            if stored.get((client.email, v, c)) != value:
                lost += 1
    return lost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", help="'sqlite' or a postgresql:// URL")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="evaluator-load-"))
    if args.db == "sqlite":
        url = f"sqlite:///{workdir / 'load.db'}"
    else:
        url = args.db.replace("postgresql://", "postgresql+psycopg://", 1)
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="load-test", FLASK_APP="app.py",
               OPENBLAS_NUM_THREADS="1")
    evaluation_id = prepare(env)
    port = free_port()
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind",
         f"127.0.0.1:{port}", "app:app"], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        probe = Client(base, "lead@load-test.example.com", evaluation_id)
        probe.login()
        _, html = probe._open(f"/evaluations/{evaluation_id}")
        vendors = sorted({int(v) for v in re.findall(r"/vendors/(\d+)", html)})
        if not vendors:
            raise SystemExit("could not read the shortlist from the evaluation page")
        clients = [Client(base, f"ev{i}@load-test.example.com", evaluation_id) for i in range(CLIENTS)]
        deadline = time.monotonic() + args.seconds
        threads = [threading.Thread(target=c.run, args=(vendors, deadline, random.Random(i)))
                   for i, c in enumerate(clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    latencies = sorted(x for c in clients for x in c.latencies)
    server_errors = sum(c.server_errors for c in clients)
    other = sum(c.other_errors for c in clients)
    lost = verify(env, evaluation_id, clients)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    print(f"database: {args.db.split('@')[-1]}  workers: {args.workers}  clients: {CLIENTS}  "
          f"duration: {elapsed:.0f} s")
    print(f"saves: {len(latencies)} ({len(latencies) / elapsed:.1f}/s, each a 9-score sheet)  "
          f"p50 {q[49] * 1000:.0f} ms  p95 {q[94] * 1000:.0f} ms  p99 {q[98] * 1000:.0f} ms")
    print(f"server errors (5xx): {server_errors}  other non-200: {other}  "
          f"acknowledged scores lost: {lost}")
    return 1 if server_errors or lost else 0


if __name__ == "__main__":
    sys.exit(main())
