"""Scale-out smoke test: two app instances on different ports, one PostgreSQL, one Redis.

    python bench/scale_out.py            (make scale-smoke; database `scaleout`, re-created)

Each instance is started the way `make serve` starts one (gunicorn, EVALUATOR_ENV=production,
DATABASE_URL and REDIS_URL) with the same SECRET_KEY, as behind a load balancer. The same smoke
test runs against both, then what scale-out needs is checked across them:

- a session signed in on one instance works on the other, and signing out on one ends it on both;
- the comparison page and ranking JSON agree, and a change committed elsewhere (a third process)
  shows on both at once (the page cache follows the data version, web/page_cache.py);
- failed logins count against one shared limit (Redis), whichever instance receives them.

Exits non-zero with the failed check's message. Every process started here is stopped.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load_pages import TOKEN_RE, USER_AGENT, Server, free_port, fresh_postgres  # noqa: E402

LEAD, PASSWORD = "lead@example.com", "demo-password-2026"


class Browser:
    """One user's cookie jar, sent to whichever instance a request goes to."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def get(self, url: str) -> tuple[int, str, str]:
        """(status, final URL, body); redirects are followed."""
        try:
            with self.opener.open(url, timeout=60) as r:
                return r.status, r.url, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, url, exc.read().decode()

    def post_form(self, base: str, path: str, fields: dict) -> tuple[int, str, str]:
        _, _, page = self.get(base + path)
        token = TOKEN_RE.search(page).group(1)
        body = urllib.parse.urlencode(dict(fields, csrf_token=token)).encode()
        try:
            with self.opener.open(base + path, data=body, timeout=60) as r:
                return r.status, r.url, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, base + path, exc.read().decode()

    def log_in(self, base: str, email: str, password: str) -> tuple[int, str, str]:
        return self.post_form(base, "/login", {"email": email, "password": password})


def check(condition: bool, message: str) -> None:
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        raise SystemExit(1)


def smoke(base: str) -> None:
    """The same smoke test for every instance."""
    check(Browser().get(base + "/healthz")[0] == 200, f"{base}/healthz answers")
    user = Browser()
    status, url, page = user.log_in(base, LEAD, PASSWORD)
    check(status == 200 and "/login" not in url and "Dashboard" in page,
          f"{base}: the demo lead logs in and sees the dashboard")
    check(user.get(base + "/vendors/")[0] == 200, f"{base}: vendor list")
    check(user.get(base + "/evaluations/1/compare")[0] == 200, f"{base}: comparison page")
    status, _, body = user.get(base + "/evaluations/1/ranking.json")
    check(status == 200 and json.loads(body)["vendors"], f"{base}: ranking JSON")


def rename_vendor(database_url: str, vendor_id: int, name: str) -> None:
    """A change committed by a third process (as another instance or a CLI would)."""
    code = (
        "from evaluator import create_app\n"
        "from evaluator.extensions import db\n"
        "from evaluator.models import Vendor\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    db.session.get(Vendor, {vendor_id}).name = {name!r}\n"
        "    db.session.commit()\n")
    env = dict(os.environ, DATABASE_URL=database_url, EVALUATOR_ENV="development")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)


def across(a: str, b: str, database_url: str) -> None:
    user = Browser()
    user.log_in(a, LEAD, PASSWORD)
    status, url, page = user.get(b + "/")
    check(status == 200 and "/login" not in url and "Priya Shah" in page,
          "a session signed in on instance A is valid on instance B")
    ranking_a = json.loads(user.get(a + "/evaluations/1/ranking.json")[2])
    ranking_b = json.loads(user.get(b + "/evaluations/1/ranking.json")[2])
    check(ranking_a == ranking_b, "both instances serve the same ranking")

    vendor = ranking_a["vendors"][0]
    renamed = vendor["name"] + " (renamed)"
    user.get(a + "/evaluations/1/compare")  # both caches hold the page now
    user.get(b + "/evaluations/1/compare")
    rename_vendor(database_url, vendor["id"], renamed)
    for name, base in (("A", a), ("B", b)):
        page = user.get(base + "/evaluations/1/compare")[2]
        check(renamed in page, f"a change committed elsewhere shows on instance {name}'s "
                               "comparison page at once")

    status, url, _ = user.post_form(b, "/logout", {})
    status, url, _ = user.get(a + "/")
    check("/login" in url, "signing out on instance B ends the session on instance A")

    # LOGIN_LIMIT_PER_ACCOUNT: 5 failed attempts per account per 15 minutes, shared in Redis.
    codes = []
    for i in range(6):
        codes.append(Browser().log_in(a if i % 2 else b, "raj@example.com", "wrong password")[0])
    check(all(c == 401 for c in codes[:5]) and codes[5] == 429,
          f"failed logins count once across both instances (statuses {codes})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-database", default="scaleout")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is needed (apt-get install -y redis-server)")
    url = fresh_postgres(args.pg_database)
    env = dict(os.environ, DATABASE_URL=url, EVALUATOR_ENV="development")
    flask = [str(Path(sys.executable).parent / "flask")]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(flask + ["seed-if-empty"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        redis_port = free_port()
        redis = subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL)
        servers = []
        try:
            redis_url = f"redis://127.0.0.1:{redis_port}/0"
            for _ in range(2):
                servers.append(Server(url, args.workers, Path(tmp), str(ROOT / "gunicorn.conf.py"),
                                      redis_url=redis_url))
            a, b = (s.base for s in servers)
            print(f"instance A {a}, instance B {b}, PostgreSQL {url.rsplit('/', 1)[1]}, "
                  f"Redis :{redis_port}")
            for base in (a, b):
                smoke(base)
            across(a, b, url)
        finally:
            for server in servers:
                server.stop()
            redis.terminate()
            redis.wait(10)
    print("scale-out smoke test passed")


if __name__ == "__main__":
    main()
