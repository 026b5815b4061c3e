# Two commands on a fresh Debian/Ubuntu machine:
#   make demo   build the demo archive and serve it on http://127.0.0.1:8000/
#               (make demo-static: the same as a static site, kura build, on plain files)
#   make test   install everything the tests need and run them all
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
APT_PACKAGES := libmagic1 libvips-tools chromium fonts-noto-cjk poppler-utils gcc libjpeg62-turbo-dev
JPEGSTREAM := ingest/.jpegstream-built
VARIANTS := archive/search/data/variants.json
VENDOR := viewer/static/vendor
PORT ?= 8000

.PHONY: demo demo-static test deps system-deps vendor lint format bench bench-ingest bench-search bench-static-search bench-publish bench-viewer clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $@

deps: system-deps $(VENV)/.installed vendor $(JPEGSTREAM) $(VARIANTS)

# Debian packages the tests need: libmagic1 (iiif-validator), libvips-tools (benchmark anchor),
# chromium and fonts-noto-cjk (browser tests of the viewer, driven by Playwright), poppler-utils
# (pdfinfo reads the printed worksheet's PDF), gcc and
# libjpeg62-turbo-dev (the scanline JPEG decoder below).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

# libjpeg's scanline decoder for the tiler (ingest/jpeg_stream_build.py, cffi): JPEGs are
# tiled band by band as they decode. Without it Kura decodes whole images, with the same result.
$(JPEGSTREAM): ingest/jpeg_stream_build.py $(VENV)/.installed
	@if $(PY) -m ingest.jpeg_stream_build; then touch $@; else \
	  echo "注意: JPEG の逐次デコーダーを作れませんでした (gcc, libjpeg62-turbo-dev)。画像全体を一度にデコードします。"; \
	  echo "warning: could not build the scanline JPEG decoder; Kura decodes whole JPEGs instead."; fi

# Search's variant-kanji table, built from ja-itaiji, joyokanji and SudachiDict (~0.1 s in
# every process that indexes or searches, each kura ingest included), saved once; a process
# ignores it when what it was built from has changed (archive/search/variants.py).
$(VARIANTS): archive/search/variants.py archive/search/oldforms.py archive/search/readings.py archive/search/kana.py $(VENV)/.installed
	$(PY) -m archive.search.variants

# The viewer's JavaScript (OpenSeadragon; axe-core for the accessibility tests) and the Digital
# Agency's design tokens (CSS custom properties) come from the npm packages pinned in
# package-lock.json, copied into viewer/static/vendor/ (not in git).
vendor: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q npm; }
	npm ci --no-audit --no-fund --ignore-scripts
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/axe-core
	cp -r node_modules/openseadragon/build/openseadragon $(VENDOR)/openseadragon
	cp node_modules/openseadragon/LICENSE.txt $(VENDOR)/openseadragon/
	cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE $(VENDOR)/axe-core/
	mkdir -p $(VENDOR)/design-tokens
	cp node_modules/@digital-go-jp/design-tokens/dist/tokens.css node_modules/@digital-go-jp/design-tokens/LICENSE $(VENDOR)/design-tokens/
	touch $@

test: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

demo: $(VENV)/.installed vendor $(JPEGSTREAM) $(VARIANTS)
	$(VENV)/bin/kura demo demo-archive --port $(PORT)

# The same demo as a static site (kura build into demo-archive/site), served as plain files
demo-static: $(VENV)/.installed vendor $(JPEGSTREAM) $(VARIANTS)
	$(VENV)/bin/kura demo demo-archive --static --port $(PORT)

bench: deps
	$(PY) bench/tiling.py

# The whole `kura ingest` of one 108-megapixel scan against libvips dzsave, 5 alternating
# rounds (~3 minutes; RUNS=... to change)
RUNS ?= 5
bench-ingest: deps
	$(PY) bench/ingest_one.py --runs $(RUNS)

# Search at 1,000 and 100,000 records against SQLite FTS5 trigram: speed and relevance
# (10-20 minutes on 2 cores; N=1000,10000 to change the sizes)
N ?= 1000,100000
bench-search: $(VENV)/.installed
	$(PY) bench/search.py -n $(N)

# The static site's search (browser engine in Node) beside the server's: relevance, bytes a
# first search transfers at 1,000 and 100,000 records (~15 minutes)
bench-static-search: $(VENV)/.installed
	$(PY) bench/static_search.py --sizes $(N)

# Publish 20,000 small objects to SeaweedFS against a plain boto3 upload_file loop (~5 minutes)
bench-publish: $(VENV)/.installed
	$(PY) bench/publish.py

# The viewer on `kura serve` against `python -m http.server` for the same tile, 16 concurrent
# clients on 127.0.0.1, 5 interleaved rounds (~3 minutes with the demo build; ROUNDS=... to change)
ROUNDS ?= 5
bench-viewer: $(VENV)/.installed
	$(PY) bench/viewer.py --rounds $(ROUNDS)

clean:
	rm -rf demo-archive .pytest_cache node_modules $(VENDOR) ingest/_jpegstream* $(JPEGSTREAM) $(VARIANTS)
