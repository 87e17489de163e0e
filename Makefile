# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python

# Find a Python 3.12 by itself: PYTHON if given, python3.12 on PATH, pyenv's
# 3.12.x, the usual install folders, or uv's managed Pythons.
define find_python312
for c in "$$PYTHON" python3.12 \
    "$$(command -v pyenv >/dev/null && v=$$(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$$' | tail -n1) && [ -n "$$v" ] && echo "$$(pyenv prefix $$v)/bin/python3.12")" \
    /usr/local/bin/python3.12 /usr/bin/python3.12 /opt/homebrew/bin/python3.12 \
    "$$(command -v uv >/dev/null && uv python find 3.12 2>/dev/null)"; do \
  [ -n "$$c" ] || continue; \
  if "$$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then command -v "$$c" 2>/dev/null || echo "$$c"; exit 0; fi; \
done; exit 1
endef

.PHONY: help run test lint format bench-search bench-images bench-gazetteer bench-dashboard bench-pages loadtest clean
help:
	@echo "make run    start the marketplace with demo data on http://127.0.0.1:8000"
	@echo "make test   run the whole test suite (with coverage)"
	@echo "make lint   ruff check + format check"
	@echo "make check-infra   bandit, hadolint and checkov (infra/, the container, the apps)"
	@echo "make bench-pages   CPU per request of each page kind, cached and not (in one process)"
	@echo "make loadtest      the shopper mix against gunicorn on 127.0.0.1 (LOADTEST_SECONDS, default 60)"

$(VENV)/.requirements: requirements.txt
	@py=$$($(find_python312)) || { echo "Python 3.12 is needed: install it (pyenv install 3.12, apt, brew or uv) or run PYTHON=/path/to/python3.12 make $(MAKECMDGOALS)"; exit 1; }; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then \
	  echo "Creating $(VENV) with $$py"; rm -rf $(VENV); "$$py" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.requirements-dev: $(VENV)/.requirements requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

run: $(VENV)/.requirements
	$(PY) -m marketplace.devstack

test: $(VENV)/.requirements-dev node_modules/.package-lock.json
	$(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks use their own database (marketplace_bench) so the demo data stays small;
# BENCH_DB=marketplace_bench_1m keeps a 1M-product catalogue beside the 100K one.
BENCH_DB ?= marketplace_bench
bench-search: $(VENV)/.requirements
	EMBEDDED_DATABASE_NAME=$(BENCH_DB) $(PY) manage.py migrate --noinput -v 0
	EMBEDDED_DATABASE_NAME=$(BENCH_DB) $(PY) manage.py bench_search $(BENCH_ARGS)

# CPU per request of each page kind, in one process (the catalogue seeded by bench-search or loadtest).
bench-pages: $(VENV)/.requirements
	EMBEDDED_DATABASE_NAME=$(BENCH_DB) REDIS_URL=$${REDIS_URL:-$(LOADTEST_REDIS_URL)} $(PY) manage.py bench_pages $(BENCH_ARGS)

bench-gazetteer: $(VENV)/.requirements
	$(PY) manage.py bench_gazetteer $(BENCH_ARGS)

bench-images: $(VENV)/.requirements
	$(PY) manage.py bench_images $(BENCH_ARGS)

# The staff dashboard at 100K orders, in a database of its own (seeded once, then reused).
BENCH_DASHBOARD_DB ?= marketplace_bench_dashboard
bench-dashboard: $(VENV)/.requirements
	EMBEDDED_DATABASE_NAME=$(BENCH_DASHBOARD_DB) $(PY) manage.py migrate --noinput -v 0
	EMBEDDED_DATABASE_NAME=$(BENCH_DASHBOARD_DB) $(PY) manage.py bench_dashboard $(BENCH_ARGS)

# The shopper mix (perf/locustfile.py) against gunicorn (infra/gunicorn.conf.py, 2 workers) and the
# 100K-product catalogue in BENCH_DB, everything on 127.0.0.1. Needs Redis: REDIS_URL, default db 15.
# locust pulls gevent and Flask, so it lives in its own venv (PERF_VENV), never in the app's.
PERF_VENV ?= .venv-perf
LOADTEST_SECONDS ?= 60
LOADTEST_REDIS_URL ?= redis://127.0.0.1:6379/15
$(PERF_VENV)/.requirements: requirements-perf.txt
	@py=$$($(find_python312)) || { echo "Python 3.12 is needed: install it or run PYTHON=/path/to/python3.12 make $(MAKECMDGOALS)"; exit 1; }; \
	if [ ! -x $(PERF_VENV)/bin/python ]; then echo "Creating $(PERF_VENV) with $$py"; "$$py" -m venv $(PERF_VENV); fi
	$(PERF_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-perf.txt
	@touch $@

loadtest: $(VENV)/.requirements $(PERF_VENV)/.requirements
	EMBEDDED_DATABASE_NAME=$(BENCH_DB) REDIS_URL=$${REDIS_URL:-$(LOADTEST_REDIS_URL)} $(PY) manage.py migrate --noinput -v 0
	EMBEDDED_DATABASE_NAME=$(BENCH_DB) REDIS_URL=$${REDIS_URL:-$(LOADTEST_REDIS_URL)} LOADTEST_SECONDS=$(LOADTEST_SECONDS) \
	  $(PY) manage.py loadtest --locust $(PERF_VENV)/bin/locust $(LOADTEST_ARGS)

lint: $(VENV)/.requirements-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# checkov and its many pinned dependencies live in their own venv (TOOLS_VENV), away from the app's.
TOOLS_VENV ?= .venv-tools
$(TOOLS_VENV)/.requirements: requirements-tools.txt
	@py=$$($(find_python312)) || { echo "Python 3.12 is needed: install it or run PYTHON=/path/to/python3.12 make $(MAKECMDGOALS)"; exit 1; }; \
	if [ ! -x $(TOOLS_VENV)/bin/python ]; then echo "Creating $(TOOLS_VENV) with $$py"; "$$py" -m venv $(TOOLS_VENV); fi
	$(TOOLS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-tools.txt
	@touch $@

.PHONY: checkov check-infra
checkov: $(TOOLS_VENV)/.requirements
	$(TOOLS_VENV)/bin/checkov --directory infra --framework bicep --quiet --compact --skip-download

# Offline security and infrastructure checks; each tool missing is a failure, never a skip.
check-infra: $(VENV)/.requirements-dev checkov
	$(VENV)/bin/bandit -c pyproject.toml -r marketplace vendors catalog checkout orders reviews --severity-level high -q
	$(VENV)/bin/hadolint infra/Dockerfile

format: $(VENV)/.requirements-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) $(TOOLS_VENV) $(PERF_VENV) var node_modules staticfiles .pytest_cache .coverage
