# The single entry point. On a fresh machine `make site` and `make test` are the only two commands:
# both depend on `setup`, which is a no-op once its stamp is newer than pyproject.toml.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SITE_DIR := build/site
DEBIAN_PACKAGES := graphviz chromium npm

.PHONY: setup test test-fast site serve bench-analyzer bench-cpu clean lint

setup: $(STAMP)

$(STAMP): pyproject.toml
	@missing=""; \
	command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing Debian packages:$$missing; install them with: sudo apt-get install$$missing" >&2; exit 1; \
	  fi; \
	fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[site,test]'
	$(BIN)/python -m analyzer.site vendor
	touch $(STAMP)

test: setup
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

# Everything but the gradient checks, whole-zoo sweeps and the browser.
test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow and not browser"

site: setup
	$(BIN)/python -m analyzer.site build --output $(SITE_DIR)

serve: site
	$(BIN)/python -m http.server --directory $(SITE_DIR) 8000

bench-analyzer: setup
	$(BIN)/python scripts/bench_analyzer.py

bench-cpu: setup
	$(BIN)/python -m analyzer bench all --device cpu --batch-sizes 1,2,4,8,16 --out data/runtime/cpu.json

lint: setup
	$(BIN)/python -m ruff check analyzer tests scripts

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
