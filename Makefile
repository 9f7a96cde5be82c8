# kubectl-airflow. Every target runs on the pinned Node (node_modules/.bin/node).
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
NODE := $(CURDIR)/node_modules/.bin/node
MOCHA := $(NODE) node_modules/mocha/bin/mocha.js
# the suites, in the order they build on each other (the sim before what runs against it)
SPECS := 'test/unit/**/*.test.ts' 'test/sim-unit/**/*.test.ts' 'test/conformance/**/*.test.ts' 'test/e2e/**/*.test.ts'

.PHONY: all install build test test-one lint format demo bench dist krew-manifest clean check-node

all: build

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json

check-node: install
	@test -x $(NODE) || { echo "pinned Node missing: run 'npm ci' on linux-x64" >&2; exit 1; }

build: check-node
	$(NODE) scripts/build.ts

# Types (tsc), then format and lint rules (biome.json): CI fails on either. `make format` rewrites.
lint: check-node
	tsc -p .
	biome ci --error-on-warnings .

format: check-node
	biome check --write .

test: check-node lint
	$(MOCHA) $(SPECS)

# --no-config: .mocharc.json's spec list would otherwise be merged with F and run the whole suite.
test-one: check-node
	$(MOCHA) --no-config --extension ts --timeout 30000 --reporter spec $(F)

demo: check-node
	bash scripts/demo.sh

bench: check-node
	$(NODE) test/bench/main.ts

dist: check-node
	$(NODE) scripts/dist.ts

krew-manifest: check-node
	$(NODE) scripts/krew-manifest.ts

clean:
	rm -rf dist .cache
