# The two commands of the README: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
PORT ?= 5000
FLASK = $(VENV)/bin/flask --app wsgi
# PostgreSQL server the concurrency tests create their own database on (never skipped).
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export TEST_DATABASE_URL

.PHONY: run test lint install assets bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# Front-end: bpmn.io libraries from the npm registry (package-lock.json), bundled locally.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

app/web/static/build/.built: node_modules/.installed $(wildcard app/web/assets/*)
	npm run --silent build
	touch $@

assets: app/web/static/build/.built

run: $(VENV)/.installed assets
	$(FLASK) db upgrade
	$(FLASK) calendar import
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)} $(FLASK) seed demo
	@echo "OneWindow on http://127.0.0.1:$(PORT)  (guides: /guides, applicants: /my, API docs: /api/docs)"
	@echo "demo logins, password onewindow-demo: admin designer frontdesk backoffice pickup supervisor gtdesk community"
	@echo "applicant sign-in codes are printed below (SMS_CHANNEL=log)"
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)} SCHEDULER_ENABLED=1 \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT) --no-reload --with-threads

# Everything on SQLite and PostgreSQL as each test chooses, then the API tests again on PostgreSQL.
test: $(VENV)/.installed assets
	$(VENV)/bin/python -m pytest -q
	TEST_BACKEND=postgresql $(VENV)/bin/python -m pytest -q tests/api

# ruff (style and bugs), mypy (types of app/), import-linter (the architecture's contracts).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(VENV)/.installed
	$(VENV)/bin/python bench/engine_overhead.py

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules app/web/static/build
