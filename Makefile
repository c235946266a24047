# `make demo` and `make test` work on a fresh machine: each first sets up .venv from pinned files.
VENV := .venv
PY := $(VENV)/bin/python

$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

.PHONY: setup demo test quick
setup: $(VENV)/.installed

demo: setup  ## release cnn_mnist and grade the sample submissions end to end
	$(VENV)/bin/autograder demo

test: setup  ## lint and the whole suite (25 to 40 minutes on 2 cores, see docs/development.md)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -n 2 --dist loadgroup --durations=15

quick: setup  ## the fast subset, for iteration (no training)
	$(PY) -m pytest -q -m "not slow"
