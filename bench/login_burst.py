"""Login burst: 500 logins from 100 concurrent clients, counted one by one.

    python bench/login_burst.py [--db sqlite,postgresql] [--logins 500] [--clients 100]

For each backend: the large data set of bench/dataset.py (its 61 users share one password) in a
fresh database, gunicorn as `make serve` runs it (4 workers, the project's gunicorn.conf.py,
a private Redis for the rate limits). Each of the clients is a thread with its own cookie jar that
logs in again and again (GET /login for the CSRF token, POST the form, follow the redirect to the
dashboard) until the burst's logins are spent. A login counts as successful only when it ends on
the dashboard signed in; anything else (an error status, a timeout, the login form again) is an
error. Prints throughput, latency percentiles of the POST and the error count as JSON.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import dataset  # noqa: E402
from load_pages import TOKEN_RE, USER_AGENT, Server, fresh_postgres  # noqa: E402

USERS = [dataset.LEAD_EMAIL] + [f"evaluator{i}@perf.example.com" for i in range(60)]


def one_login(base: str, email: str) -> tuple[bool, float]:
    """(signed in?, seconds the POST took including the redirect to the dashboard)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    try:
        token = TOKEN_RE.search(opener.open(base + "/login", timeout=120).read().decode()).group(1)
        body = urllib.parse.urlencode({"email": email, "password": dataset.PASSWORD,
                                       "csrf_token": token}).encode()
        started = time.perf_counter()
        with opener.open(base + "/login", data=body, timeout=120) as r:
            page = r.read().decode()
            ok = r.status == 200 and "/login" not in r.url and "Dashboard" in page
        return ok, time.perf_counter() - started
    except (OSError, AttributeError, urllib.error.HTTPError):
        return False, float("nan")


def burst(base: str, logins: int, clients: int) -> dict:
    remaining = iter(range(logins))
    lock = threading.Lock()
    results: list[tuple[bool, float]] = []

    def client(k: int) -> None:
        while True:
            with lock:
                n = next(remaining, None)
            if n is None:
                return
            outcome = one_login(base, USERS[(k + n) % len(USERS)])
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    times = sorted(t for ok, t in results if ok)
    q = statistics.quantiles(times, n=100) if len(times) >= 2 else [float("nan")] * 99
    return {"logins": len(results), "clients": clients, "errors": sum(not ok for ok, _ in results),
            "wall_s": round(wall, 1), "logins_per_s": round(len(results) / wall, 1),
            "p50_ms": round(q[49] * 1000), "p95_ms": round(q[94] * 1000),
            "p99_ms": round(q[98] * 1000), "max_ms": round(times[-1] * 1000) if times else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--pg-database", default="loginburst")
    parser.add_argument("--logins", type=int, default=500)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    out = {}
    for name in args.db.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            url = (f"sqlite:///{tmp}/burst.db" if name == "sqlite"
                   else fresh_postgres(args.pg_database))
            dataset.build(url)
            server = Server(url, args.workers, Path(tmp), str(ROOT / "gunicorn.conf.py"))
            try:
                out[name] = burst(server.base, args.logins, args.clients)
            finally:
                server.stop()
        print(name, json.dumps(out[name]), flush=True)
    if any(r["errors"] for r in out.values()):
        raise SystemExit("some logins failed")


if __name__ == "__main__":
    main()
