# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GOVUK := node_modules/govuk-frontend/dist/govuk
PORT ?= 5000

.PHONY: run test install lock assets demo bench mutation clean

run: install assets demo ## Serve the demo partnership on http://127.0.0.1:5000
	LOCAL_DEV=1 $(BIN)/flask --app app run --host 127.0.0.1 --port $(PORT)

test: install assets ## Run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed ## Install exactly the versions in requirements.lock, each checked against its hash

# The lock pins every package (the test tools too) with its hashes; pip refuses anything else.
# The app itself is installed without dependencies, and `pip check` fails if pyproject.toml asks
# for a package the lock does not have (run `make lock` after changing the dependencies).
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $@

# pip-compile resolves for the Python it runs on: make the lock with the oldest Python the app is
# deployed on (e.g. LOCK_PYTHON=/usr/bin/python3.11 for Debian 12's 3.11.2), and newer ones install it too.
LOCK_PYTHON ?= $(PYTHON)
LOCK_VENV := .venv-lock

lock: ## Regenerate requirements.lock from pyproject.toml (LOCK_ARGS=--upgrade for the newest versions)
	test -x $(LOCK_VENV)/bin/pip-compile || ($(LOCK_PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/python -m pip install --quiet pip-tools)
	$(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --extra test --build-deps-for editable \
		--strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS) --output-file requirements.lock pyproject.toml

assets: static/govuk/.built

$(GOVUK)/govuk-frontend.min.css: package.json
	npm install --no-audit --no-fund --silent
	touch $@

static/govuk/.built: $(GOVUK)/govuk-frontend.min.css
	rm -rf static/govuk
	mkdir -p static/govuk
	cp $(GOVUK)/govuk-frontend.min.css $(GOVUK)/govuk-frontend.min.js static/govuk/
	cp -r $(GOVUK)/assets/images static/govuk/images
	cp $(GOVUK)/assets/manifest.json static/govuk/ 2>/dev/null || true
	touch $@

demo: install ## Create the demo workbook (only if it is not there yet)
	LOCAL_DEV=1 $(BIN)/flask --app app demo init

bench: install ## Print the benchmark figures
	$(BIN)/python benchmarks/sheets.py
	$(BIN)/python benchmarks/local.py
	$(BIN)/python benchmarks/job.py
	$(BIN)/python benchmarks/pages.py
	$(BIN)/python benchmarks/summary.py
	$(BIN)/python benchmarks/state.py
	$(BIN)/python benchmarks/retention.py
	$(BIN)/python benchmarks/faults.py
	$(BIN)/python benchmarks/raise_form.py
	$(BIN)/python benchmarks/national.py

# Mutation testing of the domain, the reminders and the reports ([tool.mutmut] in pyproject.toml):
# every mutant is run against tests/procedures and tests/jobs (no browser). A whole run takes hours on
# two cores; MUTANTS picks a sample by mutmut's names, e.g. MUTANTS='procedures.calendar.*'.
# Results are kept in mutants/, so a second run only runs the mutants not yet run.
MUTANTS ?=
MUTATION_CHILDREN ?= 2

mutation: install ## Mutation testing; prints killed / (mutants run - equivalent ones)
	nice -n 10 $(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTANTS)
	$(BIN)/python tools/mutation_score.py $(MUTANTS)

clean:
	rm -rf $(VENV) $(LOCK_VENV) node_modules static/govuk mutants
