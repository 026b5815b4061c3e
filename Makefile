# Two commands on a fresh Debian/Ubuntu machine:
#   make demo   build the demo archive and serve it on http://127.0.0.1:8000/
#   make test   install everything the tests need and run them all
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
APT_PACKAGES := libmagic1 libvips-tools
PORT ?= 8000

.PHONY: demo test deps system-deps lint format bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $@

deps: system-deps $(VENV)/.installed

# Debian packages the tests need: libmagic1 (iiif-validator), libvips-tools (benchmark anchor).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

test: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

demo: $(VENV)/.installed
	$(VENV)/bin/kura demo demo-archive --port $(PORT)

bench: deps
	$(PY) bench/tiling.py

clean:
	rm -rf demo-archive .pytest_cache
