# The two commands: `make demo` and `make test`. Both create .venv and install the project first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
export LLO_HOME ?= $(CURDIR)/data

.PHONY: install demo test ui lint docs clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

demo: install  ## demo data when none is there, the whole pipeline, and where the outputs are
	$(BIN)/llo demo

test: install  ## the whole test suite
	$(BIN)/python -m pytest

ui: install  ## the Dagster UI on http://127.0.0.1:3000
	$(BIN)/llo ui

lint: install
	$(BIN)/ruff check .

docs: install  ## regenerate docs/data-contract.md and docs/kpi-definitions.md from the code
	$(BIN)/llo docs

clean:
	rm -rf $(VENV) data
