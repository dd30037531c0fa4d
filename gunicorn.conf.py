"""gunicorn settings of `make serve` and the load benchmark (read from the working directory).

Measured in docs/PERFORMANCE.md ("Page load under gunicorn"). Command-line flags override these.
"""

import gc
import os

workers = int(os.environ.get("WORKERS", "4"))  # ~2 per core: sync workers, CPU-bound pages
timeout = 120  # seconds: the PDF memo takes seconds under load; a hung worker is still recycled
graceful_timeout = 30
# Recycle each worker after ~20,000 requests (jitter so they do not restart together): bounds
# the memory that PDF rendering (WeasyPrint, fontTools) leaves behind. A recycled worker starts
# with an empty page cache, so this is not set lower: at 1,000 requests/s a limit of 5,000 had
# each worker restart every ~20 s and re-render its pages.
max_requests = 20000
max_requests_jitter = 2000
# Import the app once in the master and fork the workers from it, so a recycled worker is back
# in milliseconds. Without it each restart imported numpy, scikit-learn and WeasyPrint again
# (~2 s): at 800 requests/s a worker restarted every few seconds and every restart left the
# requests queued on it waiting 2 s (p95 of a static file 2,000 ms at one connection).
preload_app = True


def when_ready(server):
    """Compile every template once in the master, so forked workers inherit them compiled."""
    app = server.app.wsgi()
    for name in app.jinja_env.list_templates(extensions=["html"]):
        app.jinja_env.get_template(name)


def post_fork(server, worker):
    """A worker must not share database connections the master may have opened."""
    # Deferred: gunicorn reads this file before it loads the app (preload_app).
    from evaluator.extensions import db  # noqa: PLC0415

    with worker.app.wsgi().app_context():
        db.engine.dispose(close=False)


def post_worker_init(worker):
    """Move the ~240,000 objects of the loaded app (numpy, scikit-learn, WeasyPrint, SQLAlchemy
    mappers) out of the garbage collector's reach, and collect young objects less often.

    Why: a page that loads a few thousand ORM rows triggers several full collections, and each
    walked every long-lived object: the dashboard with 200 evaluations spent most of its time in
    the collector (see docs/PERFORMANCE.md). Frozen objects are never freed, which is right for
    modules and mappers that live as long as the worker.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
