# Evaluator: the two commands a new user needs are `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000
# pytest-xdist workers for make test / test-pg ("auto": one per CPU; 0 runs in one process).
TEST_WORKERS ?= auto

.PHONY: install run serve test test-pg e2e lint bench bench-load scale-smoke clean-db

install: $(STAMP)

# Re-installs only when pyproject.toml or constraints.txt changed since the last install.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

run: install
	$(BIN)/flask db upgrade
	HOST=$(HOST) PORT=$(PORT) $(BIN)/flask seed-if-empty
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# Production settings: EVALUATOR_ENV=production requires SECRET_KEY (and DATABASE_URL for PostgreSQL).
serve: install
	EVALUATOR_ENV=production $(BIN)/flask db upgrade
	EVALUATOR_ENV=production OPENBLAS_NUM_THREADS=1 $(BIN)/gunicorn --workers $${WORKERS:-4} --bind $${BIND:-127.0.0.1:8000} \
		--access-logfile - app:app

# Unit, web and PDF tests on SQLite (browser tests: `make e2e`).
test: install
	$(BIN)/pytest -m "not e2e" -n $(TEST_WORKERS)

# The same suite against PostgreSQL (TEST_DATABASE_URL, default: local server, database test).
test-pg: install
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/pytest -m "not e2e" -n $(TEST_WORKERS)

# Real-browser tests in Debian's Chromium (/usr/bin/chromium).
e2e: install
	$(BIN)/pytest -m e2e tests/e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r evaluator --severity-level medium

bench: install
	$(BIN)/pytest bench --benchmark-enable -p no:cacheprovider

# Pages under gunicorn + wrk, SQLite and PostgreSQL (database perfbench), large data set;
# writes bench/results/load-pages.json and docs/perf-latency.svg (see docs/PERFORMANCE.md).
bench-load: install
	$(BIN)/python bench/load_pages.py --plot $${BENCH_ARGS:-}

# Two app instances (gunicorn) on different ports, one PostgreSQL (database scaleout), one Redis:
# the same smoke test on both, shared sessions, cache and login limits across them.
scale-smoke: install
	$(BIN)/python bench/scale_out.py

clean-db:
	rm -f instance/evaluator.db instance/evaluator.db-wal instance/evaluator.db-shm
