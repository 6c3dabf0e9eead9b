# Jashtar portal. `make run` serves the demo; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask
export FLASK_APP := wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
#: Links in printed mail follow the port (0.0.0.0 listens everywhere; links name this machine).
DEV_BASE_URL = http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)

.PHONY: run test serve i18n translations lint install install-dev db seed demo-reset stress slowclients bench \
	screens test-banner

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Compile the catalogues (uz_Latn is generated from uz_Cyrl first).
translations: $(VENV)/.installed
	$(FLASK) translate compile >/dev/null

## Extract messages, merge them into ky/ru/uz_Cyrl, then compile.
i18n: $(VENV)/.installed
	$(FLASK) translate update
	$(FLASK) translate compile

db: $(VENV)/.installed
	$(FLASK) db upgrade

seed: db
	$(FLASK) seed-demo --if-empty

## Start the demo afresh: delete the SQLite demo database instance/portal.db, migrate and seed it
## again (flask demo-reset; refuses when DATABASE_URL names any other database).
demo-reset: translations
	$(FLASK) demo-reset

## Set up everything on SQLite with demo data and serve on http://127.0.0.1:5000
## (another address: make run PORT=8080, or HOST=0.0.0.0 to reach it from a phone on the network)
run: translations seed
	@echo "Jashtar on http://$(HOST):$(PORT)/ — demo logins (password demo-password-2026):"
	@echo "  admin@ organiser@ mentor@ mentor2@ youth@ youth2@ demo.example.org"
	PORTAL_ENV=development BASE_URL=$${BASE_URL:-$(DEV_BASE_URL)} $(FLASK) run --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r portal
	$(BIN)/mypy portal

## Lint, then the suite on SQLite, on PostgreSQL (when TEST_DATABASE_URL is set) and the browser
## journeys, the three side by side (tests/run_suites.py; logs in tests/logs/). About 10 minutes.
test: test-banner lint translations
	$(BIN)/python tests/run_suites.py

test-banner:
	@echo "make test: lint, then the SQLite, PostgreSQL and browser passes side by side; about 10 minutes on 2 cores"

## Screenshots of each role's main pages in ky, ru and uz at 360×740 and 1280×800 into
## docs/screens/ (bench/screens.py: a throwaway demo database served by gunicorn in production
## mode, photographed in Chromium; about a minute). Needs Chromium.
screens: $(VENV)/.installed-dev translations
	$(BIN)/python bench/screens.py

## gunicorn with the production configuration (needs SECRET_KEY; see README).
serve: translations db
	PORTAL_ENV=production $(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

## The production setup (gunicorn.conf.py, Redis) as two app instances on one database and
## one upload folder: a camp filled past capacity, places declined to the waiting list, plans,
## attendance, consent scans and erasures, workers SIGKILLed during those writes, no POST
## retried; then the invariants from raw rows. SQLite, then PostgreSQL when STRESS_DATABASE_URL
## or TEST_DATABASE_URL names a server (a jashtar_stress_<hex> database is made there and
## dropped). Needs Redis.
stress: $(VENV)/.installed-dev translations
	$(BIN)/python bench/stress.py

## 40 slow clients (dribbled headers, slow bodies, unread answers) against gunicorn.conf.py's
## workers, behind deploy/nginx.conf and without it; prints an ordinary visitor's p50/p99 both
## ways. Needs nginx.
slowclients: $(VENV)/.installed translations
	$(BIN)/python bench/slow_clients.py

## The heaviest pages on 220,000 generated people against a bare Flask baseline (bench/run.py),
## and their CPU per request at every scale of BENCH_SCALES (small,large; add xl for 660,000);
## SQLite, then PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL is set. Needs wrk
## (and Redis for the cold-cache figures).
bench: $(VENV)/.installed translations
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; } \
		|| { echo "make bench needs wrk: apt-get install wrk"; exit 2; }
	$(BIN)/python bench/run.py

## Lighthouse (mobile) on the home page, an application form and a review list, served by gunicorn
## in production mode on a throwaway demo database; prints the four scores per page and fails
## below performance 95 or accessibility 100. Needs node/npm and Chromium.
.PHONY: lighthouse
lighthouse: $(VENV)/.installed translations lighthouse/node_modules/.package-lock.json
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(BIN)/python lighthouse/run.py

lighthouse/node_modules/.package-lock.json: lighthouse/package.json lighthouse/package-lock.json
	cd lighthouse && npm ci --no-audit --no-fund
