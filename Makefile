# instore — the two commands a newcomer needs: `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ROLES := gateway kiosk hub tools dev

.PHONY: demo test install lint typecheck unit lock broker-deps browser-deps screenshots clean

# The development install: every package pinned, with hashes, from requirements/dev.txt;
# then the project itself, editable.
$(STAMP): pyproject.toml requirements/dev.txt
	@command -v python3 >/dev/null || { echo "python3 (3.11+) is needed"; exit 1; }
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Refresh the lock files (one per role, hashes for x86_64 and aarch64 alike) from the
# ranges in pyproject.toml; commit them with the change that needed them.
lock: install
	for role in $(ROLES); do \
	  $(VENV)/bin/uv pip compile pyproject.toml --extra $$role --universal --generate-hashes \
	    --python-version 3.11 --quiet -o requirements/$$role.txt || exit 1; \
	done

broker-deps:
	@bash scripts/ensure-system-deps.sh mosquitto

browser-deps:
	@bash scripts/ensure-system-deps.sh chromium

lint: install  # style, and the dependency rules (contracts in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy .

demo: install broker-deps
	$(VENV)/bin/instore-sim demo

unit: install  # the fast layer: no broker, no browser
	$(VENV)/bin/python -m pytest -p no:cacheprovider -q tests/unit

test: install broker-deps browser-deps lint typecheck
	$(VENV)/bin/python -m pytest -p no:cacheprovider --cov --cov-report=term:skip-covered -q

screenshots: install browser-deps  # refresh docs/screenshots from the browser tests
	INSTORE_SCREENSHOTS=1 $(VENV)/bin/python -m pytest -p no:cacheprovider -q tests/browser

clean:
	rm -rf $(VENV) var build *.egg-info .mypy_cache .ruff_cache .pytest_cache
