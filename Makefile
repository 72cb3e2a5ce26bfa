# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Without BOT_TOKEN, `make run` starts the local sandbox (`make sandbox`) instead.
.PHONY: run sandbox test lint typecheck pytest migrate demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	@test -f .env || cp .env.example .env
	$(PY) run_bot.py demo --if-empty
	$(PY) run_bot.py run --sandbox-without-token

sandbox: $(STAMP)
	$(PY) run_bot.py sandbox

migrate: $(STAMP)
	$(PY) run_bot.py migrate

demo: $(STAMP)
	$(PY) run_bot.py demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest

test: lint typecheck pytest

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) data/test-*
