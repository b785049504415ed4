# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GOVUK := node_modules/govuk-frontend/dist/govuk
PORT ?= 5000

.PHONY: run test install assets demo bench clean

run: install assets demo ## Serve the demo partnership on http://127.0.0.1:5000
	LOCAL_DEV=1 $(BIN)/flask --app app run --host 127.0.0.1 --port $(PORT)

test: install assets ## Run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

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
	$(BIN)/python benchmarks/job.py
	$(BIN)/python benchmarks/pages.py
	$(BIN)/python benchmarks/summary.py
	$(BIN)/python benchmarks/state.py

clean:
	rm -rf $(VENV) node_modules static/govuk
