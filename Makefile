# The two commands a newcomer needs: `make demo` and `make test`. Both build .venv when it is missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-full lint format bench example-plan clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m plancc.demo

test: $(STAMP)
	$(PY) -m ruff check plancc runner tests bench dev
	$(PY) -m mypy
	$(PY) -m pytest -q

test-full: $(STAMP)
	PLANCC_FULL=1 $(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check plancc runner tests bench dev
	$(PY) -m ruff format --check plancc runner tests bench dev

format: $(STAMP)
	$(PY) -m ruff format plancc runner tests bench dev
	$(PY) -m ruff check --fix plancc runner tests bench dev

bench: $(STAMP)
	$(PY) -m bench

example-plan: $(STAMP)
	$(PY) -m dev.example_plan

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
