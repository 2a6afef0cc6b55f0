# The two commands: `make demo` and `make test`. Both create .venv and install the project first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
export LLO_HOME ?= $(CURDIR)/data

.PHONY: install browser demo test bench ui lint docs clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

# The front-end files of the Data Docs pages (jQuery, Bootstrap, bootstrap-table, Font Awesome, Vega), from the npm
# registry at the versions in vendor/data-docs/package-lock.json; served by the site itself so the pages work offline.
FRONTEND := vendor/data-docs/node_modules/.package-lock.json
$(FRONTEND): vendor/data-docs/package.json vendor/data-docs/package-lock.json
	@command -v npm >/dev/null 2>&1 && (cd vendor/data-docs && npm ci --ignore-scripts --silent) || \
	  echo "npm not found: Data Docs pages open offline without their scripts (lists on the index stay empty)"

install: $(STAMP) $(FRONTEND)

demo: install  ## demo data when none is there, the whole pipeline, and where the outputs are
	$(BIN)/llo demo

# Debian's chromium for the report screenshot test; where it cannot be installed (not root, no apt) that test skips.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; }; }; } || \
	  echo "chromium could not be installed: the screenshot test will be skipped"

test: install browser  ## the whole test suite (screenshots land in test-artifacts/)
	$(BIN)/python -m pytest

bench: install  ## the pipeline at 1x, 10x and 100x scale: BENCHMARKS.md and BENCHMARKS.json (10-30 min)
	$(BIN)/python -m bench $(BENCH_ARGS)

ui: install  ## the Dagster UI on http://127.0.0.1:3000
	$(BIN)/llo ui

lint: install
	$(BIN)/ruff check .

docs: install  ## regenerate docs/data-contract.md and docs/kpi-definitions.md from the code
	$(BIN)/llo docs

clean:
	rm -rf $(VENV) data .bench
