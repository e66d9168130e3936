# ECL: two commands do all set-up on a fresh Debian or Ubuntu machine with Swift 6:
#   make run    installs what is missing, builds, and runs the default workflow
#   make test   the same set-up, then the whole test suite
SWIFT ?= swift
APT_PACKAGES := libcurl4-openssl-dev zlib1g-dev libsqlite3-dev pkg-config
BIN := .build/debug/ecl-workflows

.PHONY: all setup build run test coverage clean

all: build

# Installs the system packages the build links against, only those missing (idempotent).
setup:
	@missing=""; \
	for package in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

build: setup
	$(SWIFT) build

run: build
	$(BIN)

test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test

coverage: setup
	$(SWIFT) test --enable-code-coverage
	@bin=$$($(SWIFT) build --show-bin-path); \
	llvm-cov report "$$bin/ECLPackageTests.xctest" -instr-profile="$$bin/codecov/default.profdata" \
	  -ignore-filename-regex='\.build/|Tests/'

clean:
	rm -rf .build
