# ReaderStudy: `make demo` runs the demo, `make test` runs the tests. Both install what they need.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# granian (a Rust HTTP server) runs the WSGI app: 4 processes with one Python thread each, so
# requests never queue on the GIL; bench/dicomweb.py measures it against gunicorn and Orthanc.
# Ctrl-C reaches every worker process too; without a kill timeout granian waits for them forever.
SERVE := $(BIN)/granian --interface wsgi readerstudy.wsgi:application --host $(HOST) \
	--port $(PORT) --workers 4 --blocking-threads 1 --runtime-mode st --no-ws --access-log \
	--workers-kill-timeout 3

.PHONY: demo test test-sqlite test-postgres lint format install bench clean-demo frontend

# The reading workstation's bundle (Vite + cornerstone3D), rebuilt when its sources change.
NPM_STAMP := frontend/node_modules/.installed
FRONTEND := frontend/dist/.vite/manifest.json
FRONTEND_SOURCES := $(shell find frontend/src -type f 2>/dev/null) frontend/vite.config.mjs

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

$(NPM_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $(NPM_STAMP)

$(FRONTEND): $(NPM_STAMP) $(FRONTEND_SOURCES)
	cd frontend && npm run build --silent -- --logLevel error

frontend: $(FRONTEND)

var/uid_key:
	@mkdir -p var
	@$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))" > var/uid_key.tmp && chmod 600 var/uid_key.tmp && mv -n var/uid_key.tmp var/uid_key; rm -f var/uid_key.tmp
	@echo "Generated the pseudonymisation key var/uid_key (keep it: re-imports depend on it)."

demo: $(STAMP) $(FRONTEND) var/uid_key
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo --if-empty
	@$(BIN)/python manage.py demo_logins --url http://$(HOST):$(PORT)/
	@echo "Serving on http://$(HOST):$(PORT)/ with a task worker beside it. Ctrl-C stops both."
	@# Ctrl-C (or either process ending) stops both; the exit status is 0 on Ctrl-C.
	@trap 'kill $$web $$worker 2>/dev/null; wait; exit 0' INT TERM; \
	  $(BIN)/python manage.py db_worker & worker=$$!; \
	  $(SERVE) & web=$$!; \
	  wait -n; kill $$web $$worker 2>/dev/null; wait

test: $(STAMP) $(FRONTEND) lint
	cd frontend && npm test --silent
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=tests.settings
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(STAMP) $(FRONTEND)
	$(BIN)/python -m pytest -m "not postgres" -q

test-postgres: $(STAMP)
	tests/with_postgres.sh $(BIN)/python -m pytest -m postgres -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP) $(FRONTEND)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/dicomweb.py
	$(BIN)/python bench/reading.py
	$(BIN)/python bench/inference_bench.py
	$(BIN)/python bench/agreement_bench.py
	$(BIN)/python bench/report_bench.py

clean-demo:
	rm -rf var/readerstudy.sqlite3* var/media var/staticfiles
