# The two commands: `make run` (demo clinic on http://127.0.0.1:5000) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
TEST_WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 5000
# Every queue (clinic/dispatch.py): default, mail, summaries, periodic sweeps.
QUEUES := clinic,clinic.mail,clinic.summaries,clinic.periodic

.PHONY: install run lint test test-sqlite test-postgresql deploy-check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Migrate, load the demo clinic into an empty database, then serve the web app with
# a Celery worker and beat beside it (embedded broker: no Redis, no SMTP needed).
# Ctrl-C (or SIGTERM) stops them all: bin/run.py.
run: install
	$(BIN)/clinic db upgrade
	$(BIN)/clinic demo --if-empty
	$(BIN)/python bin/run.py --bind $(HOST):$(PORT) --queues $(QUEUES)

# The whole suite on SQLite, then again on PostgreSQL (skipped, and said so, when
# PostgreSQL is not answering, unless CLINIC_REQUIRE_SERVICES=1).
lint: install
	$(BIN)/ruff check clinic worker tests migrations deploy bin bench
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

# The benchmark on a generated large program (PostgreSQL on 127.0.0.1:5432, wrk):
# writes bench/results.md and the README's quote of it. See bench/run.
bench: install
	BIN=$(BIN) bench/run

clean:
	rm -rf $(VENV) instance .pytest_cache
