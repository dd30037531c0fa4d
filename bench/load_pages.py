"""Page load benchmark: gunicorn + wrk against SQLite and PostgreSQL with the large data set.

    python bench/load_pages.py                       # both backends, 1/8/32/64 connections, 10 s
    python bench/load_pages.py --db sqlite --duration 5 --concurrency 1,32
    python bench/load_pages.py --plot-only bench/results/load-pages.json
    python bench/load_pages.py --concurrency 64 --rounds 5 --duration 5 \
        --endpoints "healthz,vendor list,comparison" --out bench/results/ratios.json

For each backend: build the data set of bench/dataset.py in a fresh database (SQLite file in a
temporary directory; PostgreSQL database `perfbench` by default, dropped and re-created — never
the `test` database), start a private redis-server for the shared rate-limit storage when one is
installed, start gunicorn (4 workers, OPENBLAS_NUM_THREADS=1, EVALUATOR_ENV=production) on a free
127.0.0.1 port, log in once with urllib to get the session cookie and hand it to wrk with
-H "Cookie: ...". Every endpoint is measured at every concurrency for a fixed duration, in the
same run as the ceilings: a static file (no Python DB work) and /healthz (one trivial query).
wrk's Lua `done` hook prints throughput, p50/p95/p99 and errors as JSON. Results go to
bench/results/load-pages.json; `--plot` writes the latency-vs-concurrency SVG under docs/.
Traffic goes to 127.0.0.1 only; every process started here is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import http.cookies
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import dataset  # noqa: E402

# Flask-Login's "strong" session protection ties a session to the address and User-Agent, so
# urllib (which logs in) and wrk (which replays the cookie) must send the same one.
USER_AGENT = "evaluator-load-bench"
TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RESULTS = ROOT / "bench" / "results" / "load-pages.json"
SVG = ROOT / "docs" / "perf-latency.svg"

# wrk prints one JSON line from the Lua `done` hook; POST bodies come from the environment.
LUA = r"""
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
-- wrk counts only >= 400 as errors; count redirects too (a lost session redirects to /login).
local threads = {}
setup = function(thread) table.insert(threads, thread) end
redirects = 0
response = function(status, headers, body)
  if status >= 300 and status < 400 then redirects = redirects + 1 end
end
done = function(summary, latency, requests)
  local e = summary.errors
  local r = 0
  for _, t in ipairs(threads) do r = r + t:get("redirects") end
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"redirects":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout, r))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:  # refused, reset or timed out while the workers boot
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


def fresh_postgres(name: str) -> str:
    if name == "test":
        raise SystemExit("refusing to use the `test` database (CI's)")
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


class Server:
    """gunicorn (and a private redis-server) for one backend; stopped by stop()."""

    def __init__(self, url: str, workers: int, tmp: Path, config: str = "",
                 redis_url: str = ""):
        """redis_url: a running Redis to share (several instances); else a private one."""
        self.procs: list[subprocess.Popen] = []
        self.port = free_port()
        env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret-" + "x" * 40,
                   EVALUATOR_ENV="production", SESSION_COOKIE_SECURE="0",
                   OPENBLAS_NUM_THREADS="1")
        if redis_url:
            env["REDIS_URL"] = redis_url
        elif shutil.which("redis-server"):
            redis_port = free_port()
            self.procs.append(subprocess.Popen(
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(tmp)], stdout=subprocess.DEVNULL))
            env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        else:
            env["REDIS_URL"] = "memory://"
        self.log = open(tmp / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115
        self.procs.append(subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
             "--bind", f"127.0.0.1:{self.port}"] + (["-c", config] if config else []) + ["app:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT))
        self.base = f"http://127.0.0.1:{self.port}"
        try:
            wait_for(self.base + "/healthz")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.log.close()


def settle(base: str) -> None:
    """Let requests still queued from the previous run finish before the next one starts."""
    time.sleep(1)
    for _ in range(8):
        urllib.request.urlopen(base + "/healthz", timeout=120).read()


def browser_cookie(base: str, cookie: str) -> str:
    """The cookie a browser would send now. The app re-issues the session cookie at most once a
    minute (the idle-timeout stamp, security.py), and a browser stores it; wrk does not, so a
    cookie older than a minute would make the app sign a new one on every measured request."""
    req = urllib.request.Request(base + "/healthz", headers={"Cookie": cookie,
                                                              "User-Agent": USER_AGENT})
    with urllib.request.urlopen(req, timeout=120) as resp:
        fresh = http.cookies.SimpleCookie()
        for header in resp.headers.get_all("Set-Cookie") or []:
            fresh.load(header)
    jar = dict(part.split("=", 1) for part in cookie.split("; "))
    jar.update({name: morsel.value for name, morsel in fresh.items()})
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def login_cookie(base: str) -> tuple[str, str, str]:
    """(logged-in cookie, anonymous cookie, its CSRF token) for bench@perf.example.com."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    html = opener.open(base + "/login", timeout=10).read().decode()
    token = TOKEN_RE.search(html).group(1)
    anon = "; ".join(f"{c.name}={c.value}" for c in jar)
    body = urllib.parse.urlencode({"email": dataset.LEAD_EMAIL, "password": dataset.PASSWORD,
                                   "csrf_token": token}).encode()
    page = opener.open(base + "/login", data=body, timeout=10).read().decode()
    if "Bench Lead" not in page:
        raise RuntimeError("login failed")
    return "; ".join(f"{c.name}={c.value}" for c in jar), anon, token


def wrk(url: str, connections: int, seconds: int, script: Path, cookie: str = "",
        body: str = "", timeout: int = 30) -> dict:
    cmd = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s",
           "--timeout", f"{timeout}s", "-s", str(script), "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True,
                         env=dict(os.environ, BENCH_BODY=body)).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    r = json.loads(line[6:])
    secs = r["duration_us"] / 1e6
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    if not body:  # only the login POST answers with a redirect when it succeeds
        errors += r["redirects"]
    return {"c": connections, "rps": round(r["requests"] / secs, 1), "requests": r["requests"],
            "p50_ms": r["p50_us"] / 1000, "p95_ms": r["p95_us"] / 1000,
            "p99_ms": r["p99_us"] / 1000, "max_ms": r["max_us"] / 1000, "errors": errors,
            "status_4xx_5xx": r["status"], "redirects": r["redirects"],
            "timeouts": r["timeout"]}


def endpoints(cookie: str, anon: str, token: str, evaluation_id: int, has_memo: bool) -> list:
    """(name, path, cookie, POST body, max concurrency)."""
    login_body = urllib.parse.urlencode({"email": dataset.LEAD_EMAIL,
                                         "password": dataset.PASSWORD, "csrf_token": token})
    out = [
        ("static file", "/static/css/app.css", "", "", None),
        ("healthz", "/healthz", "", "", None),
        ("login page", "/login", "", "", None),
        ("login POST", "/login", anon, login_body, None),
        ("dashboard", "/", cookie, "", None),
        ("vendor list", "/vendors/", cookie, "", None),
        ("comparison", f"/evaluations/{evaluation_id}/compare", cookie, "", None),
        ("ranking JSON", f"/evaluations/{evaluation_id}/ranking.json", cookie, "", None),
    ]
    if has_memo:
        out.append(("memo PDF", f"/evaluations/{evaluation_id}/memo.pdf", cookie, "", 4))
    return out


def run_backend(name: str, url_factory, args, tmp: Path) -> dict:
    started = time.perf_counter()
    url = url_factory()
    info = dataset.build(url)
    build_s = time.perf_counter() - started
    print(f"[{name}] data set built in {build_s:.1f} s", flush=True)
    server = Server(url, args.workers, tmp, args.gunicorn_config)
    try:
        cookie, anon, token = login_cookie(server.base)
        eid = info["evaluation_id"]
        req = urllib.request.Request(f"{server.base}/evaluations/{eid}/memo.pdf",
                                     headers={"Cookie": cookie, "User-Agent": USER_AGENT})
        try:
            has_memo = urllib.request.urlopen(req, timeout=120).status == 200
        except urllib.error.HTTPError:
            has_memo = False
        script = tmp / "bench.lua"
        script.write_text(LUA)
        results: dict[str, list] = {}
        session_cookie = cookie
        chosen = [e for e in endpoints(cookie, anon, token, eid, has_memo)
                  if not args.endpoints or e[0] in args.endpoints]
        for _label, path, ck, body, _max_c in chosen:
            # Warm every worker (imports, template compilation, the per-process analysis cache).
            wrk(server.base + path, 4, 2, script, ck, body)
        for rnd in range(args.rounds):  # rounds alternate the endpoints: see ratio_table()
            for label, path, ck, body, max_c in chosen:
                for c in args.concurrency:
                    if max_c and c > max_c:
                        continue
                    settle(server.base)
                    if ck == cookie:  # the logged-in reader
                        session_cookie = browser_cookie(server.base, session_cookie)
                    # A PDF takes seconds: measure it longer, or the window holds a handful.
                    seconds = max(args.duration, 20) if label == "memo PDF" else args.duration
                    r = wrk(server.base + path, c, seconds, script,
                            session_cookie if ck == cookie else ck, body)
                    r["round"] = rnd
                    results.setdefault(label, []).append(r)
                    print(f"[{name}] {label:13s} c={c:3d} {r['rps']:8.1f} req/s  p50 "
                          f"{r['p50_ms']:7.1f}  p95 {r['p95_ms']:7.1f}  p99 "
                          f"{r['p99_ms']:7.1f} ms  errors {r['errors']}", flush=True)
    finally:
        server.stop()
    return {"build_seconds": round(build_s, 1), "data": info, "results": results}


def machine() -> str:
    cpu = ""
    try:
        cpu = next(x.split(":", 1)[1].strip() for x in open("/proc/cpuinfo")
                   if x.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.machine()}, "
            f"Python {platform.python_version()}")


# ----------------------------------------------------------------------------------- plot
# Hand-written SVG (no plotting library in the project's dependencies): p95 latency against
# concurrency, one line per endpoint, log-scale y axis, one panel per backend.

COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
          "#666666", "#1f78b4"]


def svg_chart(data: dict) -> str:
    backends = list(data["backends"])
    pw, ph, left, top, gap = 420, 300, 60, 40, 70
    width = left + len(backends) * (pw + gap) + 150
    height = top + ph + 60
    labels = sorted({k for b in backends for k in data["backends"][b]["results"]},
                    key=lambda k: list(data["backends"][backends[0]]["results"]).index(k)
                    if k in data["backends"][backends[0]]["results"] else 99)
    all_ms = [max(r["p95_ms"], 0.1) for b in backends
              for rs in data["backends"][b]["results"].values() for r in rs]
    lo = 10 ** math.floor(math.log10(min(all_ms)))
    hi = 10 ** math.ceil(math.log10(max(all_ms)))
    conc = sorted({r["c"] for b in backends for rs in data["backends"][b]["results"].values()
                   for r in rs})

    def x_of(c, x0):
        i = conc.index(c)
        return x0 + (i / max(1, len(conc) - 1)) * pw

    def y_of(ms):
        return top + ph - (math.log10(max(ms, 0.1)) - math.log10(lo)) / (
            math.log10(hi) - math.log10(lo)) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    for bi, b in enumerate(backends):
        x0 = left + bi * (pw + gap)
        out.append(f'<text x="{x0 + pw / 2}" y="{top - 15}" text-anchor="middle" '
                   f'font-size="13">p95 latency vs connections — {b}</text>')
        out.append(f'<rect x="{x0}" y="{top}" width="{pw}" height="{ph}" fill="none" '
                   f'stroke="#999"/>')
        decade = lo
        while decade <= hi:
            y = y_of(decade)
            out.append(f'<line x1="{x0}" x2="{x0 + pw}" y1="{y:.1f}" y2="{y:.1f}" '
                       f'stroke="#eee"/><text x="{x0 - 5}" y="{y + 4:.1f}" '
                       f'text-anchor="end">{decade:g} ms</text>')
            decade *= 10
        for c in conc:
            x = x_of(c, x0)
            out.append(f'<text x="{x:.1f}" y="{top + ph + 15}" text-anchor="middle">{c}</text>')
        out.append(f'<text x="{x0 + pw / 2}" y="{top + ph + 32}" text-anchor="middle">'
                   f'concurrent connections (wrk -c)</text>')
        for li, label in enumerate(labels):
            rs = data["backends"][b]["results"].get(label, [])
            if not rs:
                continue
            pts = " ".join(f"{x_of(r['c'], x0):.1f},{y_of(r['p95_ms']):.1f}" for r in rs)
            color = COLORS[li % len(COLORS)]
            out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" '
                       f'stroke-width="2"/>')
            out += [f'<circle cx="{x_of(r["c"], x0):.1f}" cy="{y_of(r["p95_ms"]):.1f}" r="3" '
                    f'fill="{color}"/>' for r in rs]
    lx = left + len(backends) * (pw + gap) - gap + 15
    for li, label in enumerate(labels):
        y = top + 10 + li * 18
        out.append(f'<rect x="{lx}" y="{y - 8}" width="12" height="4" '
                   f'fill="{COLORS[li % len(COLORS)]}"/><text x="{lx + 18}" y="{y - 3}">'
                   f'{label}</text>')
    out.append(f'<text x="10" y="{height - 8}" fill="#666">{data["date"]} · {data["machine"]}'
               f' · gunicorn {data["workers"]} workers · wrk {data["duration"]} s per point</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def markdown(data: dict) -> str:
    lines = []
    for b, d in data["backends"].items():
        lines += [f"\n{b} (data set built in {d['build_seconds']} s):\n",
                  "| endpoint | conn | req/s | p50 ms | p95 ms | p99 ms | errors |",
                  "|---|---|---|---|---|---|---|"]
        for label, rs in d["results"].items():
            lines += [f"| {label} | {r['c']} | {r['rps']:,.1f} | {r['p50_ms']:.1f} | "
                      f"{r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} |" for r in rs]
    return "\n".join(lines) + "\n"


def ratio_table(data: dict, ceiling: str = "healthz") -> str:
    """Throughput of each endpoint as a share of the ceiling's, per round: the machine's speed
    drifts by tens of percent over minutes, so each ratio pairs measurements taken seconds
    apart (same round, same concurrency); min / median / max over the rounds."""
    lines = ["\n| backend | endpoint | conn | rounds | share of healthz: min / median / max "
             "| p95 ms: median / max | errors |", "|---|---|---|---|---|---|---|"]
    for b, d in data["backends"].items():
        base = {(r["round"], r["c"]): r["rps"] for r in d["results"].get(ceiling, [])}
        for label, rs in d["results"].items():
            if label == ceiling:
                continue
            for c in sorted({r["c"] for r in rs}):
                at = [r for r in rs if r["c"] == c and (r["round"], c) in base]
                if not at:
                    continue
                shares = sorted(100 * r["rps"] / base[(r["round"], c)] for r in at)
                p95 = [r["p95_ms"] for r in at]
                lines.append(f"| {b} | {label} | {c} | {len(at)} | {shares[0]:.0f} / "
                             f"{median(shares):.0f} / {shares[-1]:.0f} % | {median(p95):.0f} / "
                             f"{max(p95):.0f} | {sum(r['errors'] for r in at)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--pg-database", default="perfbench")
    parser.add_argument("--concurrency", default="1,8,32,64")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--endpoints", type=lambda v: v.split(","), default=[],
                        help='comma-separated names to measure, e.g. "healthz,vendor list" '
                             "(default: all)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure the endpoints this many times in turn and print each "
                             "one's share of /healthz per round (drift-proof ratios)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--gunicorn-config", default="",
                        help="gunicorn -c file (default: ./gunicorn.conf.py of the project)")
    parser.add_argument("--plot", action="store_true", help=f"also write {SVG.name}")
    parser.add_argument("--plot-only", type=Path)
    args = parser.parse_args()
    # SIGTERM (e.g. from `timeout`) unwinds through the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.plot_only:
        data = json.loads(args.plot_only.read_text())
        SVG.write_text(svg_chart(data))
        print(markdown(data))
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    data = {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "machine": machine(),
            "workers": args.workers, "duration": args.duration, "backends": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.db.split(","):
            if backend == "sqlite":
                factory = lambda: f"sqlite:///{Path(tmp) / 'perf.db'}"  # noqa: E731
            else:
                factory = lambda: fresh_postgres(args.pg_database)  # noqa: E731
            data["backends"][backend] = run_backend(backend, factory, args, Path(tmp))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1) + "\n")
    if args.plot:
        SVG.write_text(svg_chart(data))
    print(markdown(data))
    if args.rounds > 1:
        print(ratio_table(data))


if __name__ == "__main__":
    main()
