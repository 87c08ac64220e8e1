# Customers API: the commands a developer and CI use. `make help` lists them.
SHELL := bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VENV_STAMP := $(VENV)/.installed
SAM_VENV := .venv-sam
SAM_STAMP := $(SAM_VENV)/.installed
CLIENTS_VENV := .venv-clients
CLIENTS_STAMP := $(CLIENTS_VENV)/.installed
NODE_STAMP := tests/clients/typescript/node_modules/.installed
DOCS_VENV := .venv-docs
DOCS_STAMP := $(DOCS_VENV)/.installed
CHROMIUM := /usr/bin/chromium
export SAM_CLI_TELEMETRY := 0

# Local stack settings; each can be overridden from the environment.
GATEWAY_PORT ?= 3000
JWT_ISSUER ?= http://127.0.0.1/local-issuer
JWT_AUDIENCE ?= customers-api
TENANT_CLAIM ?= tenant_id
JWT_SECRET ?= local-development-secret-not-for-production
export GATEWAY_PORT JWT_ISSUER JWT_AUDIENCE TENANT_CLAIM JWT_SECRET
export LOCAL_PARAMETERS = JwtIssuer=$(JWT_ISSUER) JwtAudience=$(JWT_AUDIENCE) TenantClaim=$(TENANT_CLAIM)

.PHONY: help venv sam-venv build dev token test lint unit-and-integration contract smoke clients docs sam-local fuzz fuzz-short phone-diff invariant package bench clean

help: ## list the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV_STAMP): tools/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	touch $@

venv: $(VENV_STAMP) ## Python tools: moto, cfn-lint, checkov, schemathesis (pinned, in .venv)

# aws-sam-cli pins a boto3 that conflicts with moto's: it gets a venv of its own.
$(SAM_STAMP): tools/sam-requirements.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/sam-requirements.txt
	touch $@

sam-venv: $(SAM_STAMP) ## AWS SAM CLI (pinned, in .venv-sam)

# The client generators of `make clients`: openapi-python-client in a venv of its own (its
# pins are not moto's or checkov's), openapi-typescript from package-lock.json.
$(CLIENTS_STAMP): tools/clients-requirements.txt
	$(PYTHON) -m venv $(CLIENTS_VENV)
	$(CLIENTS_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/clients-requirements.txt
	touch $@

$(NODE_STAMP): tests/clients/typescript/package-lock.json
	cd tests/clients/typescript && npm ci --silent --no-audit --no-fund
	touch $@

# `make docs`: Playwright for Python (its driver is in the wheel) drives Debian's Chromium, which
# it installs when run as root, as CI is (the machine notes: no browser download).
$(DOCS_STAMP): tools/docs-requirements.txt
	$(PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/docs-requirements.txt
	touch $@

$(CHROMIUM):
	@[ "$$(id -u)" = 0 ] || { echo "make docs needs Debian's chromium: sudo apt-get install chromium"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null

build: ## debug build of the functions and the local gateway
	cargo build --workspace --bins

dev: venv build ## local stack on http://127.0.0.1:$(GATEWAY_PORT): moto + gateway + functions (Ctrl-C stops)
	tools/with-moto tools/dev-stack

token: build ## print a development token (tenant dev-tenant, read and write scopes)
	@target/debug/local-gateway token --parameter-overrides "$(LOCAL_PARAMETERS)"

lint: venv sam-venv ## rustfmt, clippy (the fuzz targets too), structure (domain imports, file sizes), cfn-lint, checkov, sam validate --lint
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --manifest-path fuzz/Cargo.toml --target-dir target --bins -- -D warnings
	tools/check-structure
	tools/check-structure --self-test
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/checkov --file template.yaml --framework cloudformation --quiet --compact --skip-download
	AWS_DEFAULT_REGION=us-east-1 $(SAM_VENV)/bin/sam validate --lint --template template.yaml

unit-and-integration: venv build ## unit, integration and end-to-end tests against moto and the local gateway
	tools/with-moto tools/cargo-tests

contract: venv build ## schemathesis against the local gateway, checked against openapi.yaml
	tools/with-moto tools/contract-test

smoke: venv build ## the README's quick start: make dev, then the README's curl commands
	tools/readme-smoke

clients: venv build $(CLIENTS_STAMP) $(NODE_STAMP) ## clients generated from openapi.yaml (openapi-python-client; openapi-typescript with openapi-fetch, type-checked by tsc --strict), each running the quick start and every other operation against make dev
	tools/clients

docs: venv build $(DOCS_STAMP) $(CHROMIUM) ## the vendored renderer is the registry's; GET /docs from make dev in headless Chromium: every operation of openapi.yaml shown, Try it out with a token, no console error, no other origin; screenshot in target/docs/
	tools/vendor-docs-renderer --upstream
	$(DOCS_VENV)/bin/python tools/docs-browser

sam-local: venv sam-venv build ## with Docker: the debug build laid out as sam build does, sam local invoke of every fixture, sam local start-api and every route
	tools/sam-local

FUZZ_SECONDS ?= 60
fuzz: ## coverage-guided fuzzing of every parser: make fuzz FUZZ_SECONDS=600 runs each target that long
	tools/fuzz $(FUZZ_SECONDS)

fuzz-short: ## every fuzz target for 10 s: proves the instrumented build and the libFuzzer runs (not in make test: see docs/fuzzing.md)
	tools/fuzz 10

phone-diff: ## domain::phone against phonenumber 0.3.10: every example and 100,000 variations, differences by class (PHONE_DIFF_DUMP=target/phone-answers.jsonl also writes our answers, to compare with Google's: docs/performance.md)
	cargo test -p shared --lib domain::phone::tests::diff -- --ignored --nocapture

RUNS ?= 20
invariant: venv build ## the concurrent mix and its audits (uniqueness, erasure, change events), RUNS times in a row, each with a new seed
	tools/with-moto bash -c 'set -o pipefail; for run in $$(seq $(RUNS)); do echo "invariant run $$run of $(RUNS)"; cargo test -q -p integration-tests --test api -- --exact invariant::the_uniqueness_invariant_holds_under_a_concurrent_mix --nocapture 2>&1 | grep -E "invariant seed|test result|panicked|seed [0-9]+:" || exit 1; done; echo "$(RUNS) runs in a row passed"'

# Each phase says how long it took (CI must stay under 45 minutes); the Rust tests run last so
# that their runner's summary closes the output.
TEST_PHASES := build lint contract smoke clients docs sam-local
test: ## everything CI checks
	@for phase in $(TEST_PHASES); do \
	  started=$$(date +%s); \
	  $(MAKE) --no-print-directory $$phase || exit 1; \
	  echo "make test: $$phase passed in $$(( $$(date +%s) - started )) s"; \
	done
	@$(MAKE) --no-print-directory unit-and-integration

package: sam-venv ## sam build: arm64 release artifacts in .aws-sam/build
	tools/package

bench: venv sam-venv ## release builds, then cold init, CPU, memory, sizes, DynamoDB capacity vs a hello-world baseline (docs/benchmarks.md)
	tools/bench

clean: ## remove build outputs and virtualenvs
	cargo clean
	rm -rf $(VENV) $(SAM_VENV) $(CLIENTS_VENV) $(DOCS_VENV) tests/clients/typescript/node_modules .aws-sam
