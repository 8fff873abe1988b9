# The two commands: `make run` (demo clinic on http://127.0.0.1:5000) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
TEST_WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run lint test test-sqlite test-postgresql deploy-check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Migrate, load the demo clinic into an empty database, then serve the web app with
# a Celery worker and beat beside it (embedded broker: no Redis, no SMTP needed).
run: install
	$(BIN)/clinic db upgrade
	$(BIN)/clinic demo --if-empty
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A worker worker --beat --loglevel=INFO --concurrency=2 & \
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --threads 4 --access-logfile - 'clinic:create_app()'

# The whole suite on SQLite, then again on PostgreSQL (skipped, and said so, when
# PostgreSQL is not answering, unless CLINIC_REQUIRE_SERVICES=1).
lint: install
	$(BIN)/ruff check clinic worker tests migrations deploy
	$(BIN)/lint-imports

test: install lint
	CLINIC_TEST_DB=sqlite $(BIN)/pytest -n $(TEST_WORKERS)
	CLINIC_TEST_DB=postgresql $(BIN)/pytest -n $(TEST_WORKERS)

test-sqlite: install
	CLINIC_TEST_DB=sqlite $(BIN)/pytest $(ARGS)

test-postgresql: install
	CLINIC_TEST_DB=postgresql $(BIN)/pytest $(ARGS)

# docker-compose.yml run for real: 2 web and 2 worker containers behind nginx, a
# killed worker, a second beat, a backup and an upgrade (deploy/check.py says
# what it checks). Needs root for Docker; installs Docker from Debian if missing.
deploy-check:
	bash deploy/check.sh

clean:
	rm -rf $(VENV) instance .pytest_cache
