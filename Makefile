# Seawall: `make run` serves the registry on the embedded default,
# `make test` builds everything the tests need and runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test venv system-deps lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# Debian packages the integration tests drive (skopeo, podman, buildah, the
# CNCF distribution registry, PostgreSQL). Installed only when running as root.
system-deps:
	bash scripts/install-system-deps.sh

run: venv
	$(BIN)/seawall serve

test: venv system-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: venv
	$(BIN)/mypy

# Each benchmark runs Seawall beside its peer and writes its section of
# docs/benchmarks.md; see that file for the individual commands.
bench: venv system-deps
	$(BIN)/python -m bench.registry
	$(BIN)/python -m bench.encryption
	$(BIN)/python -m bench.authz

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
