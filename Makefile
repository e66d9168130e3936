# ECL: two commands do all set-up on a fresh Debian or Ubuntu machine with Swift 6:
#   make run    installs what is missing, builds, and runs the default workflow
#   make test   the same set-up plus a PostgreSQL server package and Python helpers, then the whole suite
#               (built with the PostgreSQL trait, so the SQL log exporter's PostgreSQL engine is tested too)
SWIFT ?= swift
APT_PACKAGES := libcurl4-openssl-dev zlib1g-dev libsqlite3-dev pkg-config
# For the PostgreSQL tests and benchmarks: a server the tests start on 127.0.0.1 (scripts/local-postgres.sh);
# openssl makes the TLS test's certificate authority and certificates; Prometheus and its Pushgateway receive
# a run's metrics in the metrics tests (started by the tests on 127.0.0.1, never as services); headless
# Chromium loads the trace and report pages in the trace tests.
APT_TEST_PACKAGES := postgresql postgresql-client openssl prometheus prometheus-pushgateway chromium
PG_TRAIT := --traits PostgreSQL
BIN := .build/debug/ecl-workflows
# The toolchain's own llvm-cov (another one on PATH may not read its profiles).
LLVM_COV ?= $(shell dirname "$$(readlink -f "$$(command -v $(SWIFT))")")/llvm-cov

.PHONY: all setup apt-install test-tools build build-pg run test docs bench bench-pg bench-peer coverage clean

all: build

# Installs the system packages the build links against, only those missing (idempotent).
setup:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES)"

# Installs the named Debian packages that are missing (apt-get as root, else through sudo).
apt-install:
	@missing=""; \
	for package in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Python test helpers: the rotel collector (a real OTLP receiver) and the official opentelemetry-proto schema.
PIP_PACKAGES := rotel opentelemetry-proto protobuf
test-tools:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_TEST_PACKAGES)"
	@python3 -c "import rotel, opentelemetry.proto, google.protobuf" 2>/dev/null || \
	  python3 -m pip install --quiet --disable-pip-version-check $(PIP_PACKAGES)

build: setup
	$(SWIFT) build

# The same with the SQL log exporter's PostgreSQL engine (postgres-nio, SwiftNIO, NIOSSL: a few minutes more).
build-pg: setup
	$(SWIFT) build $(PG_TRAIT)

run: build
	$(BIN)

# examples/PluginOnly is a package of its own (the plugin as a stranger's service uses it): built first, then
# run against rotel by the suite.
# The plugin's documentation is built too: a broken link or a wrong parameter name in it fails the suite.
# scripts/test-suite.sh stops a suite that runs past ECL_TEST_MINUTES (40) and says what it was waiting for,
# and prints the failures again at the end.
test: setup test-tools
	$(SWIFT) build --build-tests $(PG_TRAIT)
	$(SWIFT) build --package-path examples/PluginOnly
	scripts/test-suite.sh $(SWIFT) test $(PG_TRAIT)
	@$(MAKE) --no-print-directory docs > .build/docs.log 2>&1 || { cat .build/docs.log; exit 1; }
	@echo "documentation built (make docs)"

# The plugin's documentation (DocC: the API and the getting-started article), as a static site in .build/docs;
# warnings are errors, so a broken link or an undocumented symbol's mistake stops it.
docs: setup
	$(SWIFT) package --allow-writing-to-directory .build/docs generate-documentation --target OTLPExporter \
	  --disable-indexing --transform-for-static-hosting --output-path .build/docs --warnings-as-errors
	@echo "documentation: .build/docs/documentation/otlpexporter/index.html"

# Benchmarks (a separate package, release build): one table of p50 figures; the full report is .build-bench/report.md.
# Then the workflow overhead (telemetry off, dev, prod, prod with the SQL log exporter on SQLite), the SQL
# log exporter's database work on SQLite, and the comparison with swift-otel (bench-peer).
bench: setup
	@mkdir -p .build-bench
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --target ECLBenchmarks --no-progress --format markdown > ../.build-bench/report.md
	@echo "Benchmarks on $$(nproc) cores, $$(date -u +%Y-%m-%d):"
	@python3 Benchmarks/summarize.py < .build-bench/report.md
	@SWIFT="$(SWIFT)" scripts/release-build.sh Benchmarks --product WorkflowOverhead
	@SWIFT="$(SWIFT)" scripts/release-build.sh Benchmarks --product SQLLogBench
	@SWIFT="$(SWIFT)" scripts/release-build.sh Benchmarks --product SpanBurst
	@echo
	@echo "Span bursts through the Tracer at default settings to a counting receiver in another process:"
	@for run in "100000 up" "1000000 up" "100000 down-first-half" "1000000 down-first-half"; do \
	  Benchmarks/.build/release/SpanBurst $$run 2>/dev/null; done
	@echo
	@python3 Benchmarks/overhead.py Benchmarks/.build/release/WorkflowOverhead 5 200
	@echo
	@$(SWIFT) build --product ecl-workflows > /dev/null 2>&1
	@echo "Model calls against a local Messages API that answers in 200 ms:"
	@python3 Benchmarks/model_concurrency.py $(BIN) 16 3
	@echo
	@SWIFT="$(SWIFT)" scripts/release-build.sh Benchmarks --product ecl-workflows
	@echo "What telemetry costs a workflow (the command, release build):"
	@python3 Benchmarks/user_cost.py Benchmarks/.build/release/ecl-workflows 2000 3
	@echo
	@Benchmarks/.build/release/SQLLogBench sqlite:$(CURDIR)/.build-bench/sql-bench.db 1000000
	@rm -f .build-bench/sql-bench.db*
	@echo
	@$(MAKE) --no-print-directory bench-peer

# The SQL log exporter on PostgreSQL: Debian's server, started on 127.0.0.1 with its default (durable)
# settings in $(PG_BENCH_DIR), the benchmarks built with the PostgreSQL trait; the server is stopped after.
PG_BENCH_DIR := /tmp/ecl-bench-pg
PG_BENCH_PORT := 55439
bench-pg: setup
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_TEST_PACKAGES)"
	@SWIFT="$(SWIFT)" scripts/release-build.sh Benchmarks $(PG_TRAIT) --product WorkflowOverhead
	@SWIFT="$(SWIFT)" scripts/release-build.sh Benchmarks $(PG_TRAIT) --product SQLLogBench
	@scripts/local-postgres.sh stop $(PG_BENCH_DIR) immediate; rm -rf $(PG_BENCH_DIR)
	@url=$$(scripts/local-postgres.sh start $(PG_BENCH_DIR) $(PG_BENCH_PORT) bench-password) && \
	  trap 'scripts/local-postgres.sh stop $(PG_BENCH_DIR); rm -rf $(PG_BENCH_DIR)' EXIT && \
	  echo "PostgreSQL benchmarks on $$(nproc) cores, $$(date -u +%Y-%m-%d), server on 127.0.0.1 (default settings):" && \
	  ECL_BENCH_POSTGRES_URL="$$url" python3 Benchmarks/overhead.py Benchmarks/.build/release/WorkflowOverhead 5 200 off,prod,prod+postgres && \
	  echo && Benchmarks/.build/release/SQLLogBench "$$url" 1000000

# Our OTLP exporter against swift-otel on the same span loop (Benchmarks/PeerComparison, its own package: building
# swift-otel, SwiftNIO and AsyncHTTPClient in release mode takes 10-15 minutes on 2 cores the first time).
bench-peer: setup
	@SWIFT="$(SWIFT)" scripts/release-build.sh Benchmarks/PeerComparison
	@echo "Exporters compared on $$(nproc) cores, $$(date -u +%Y-%m-%d):"
	@python3 Benchmarks/peer.py Benchmarks/PeerComparison/.build/release/PeerSpans 3 100000

# Line coverage of the whole suite; the logging code (LogLineCore, ECLLogging, ECLCore/Observability, the OTLP
# log output and the SQL rows) is reported on its own.
coverage: setup test-tools
	$(SWIFT) test --enable-code-coverage $(PG_TRAIT)
	@bin=$$($(SWIFT) build --show-bin-path $(PG_TRAIT)); \
	tests="$$bin/ECLPackageTests.xctest"; profile="$$bin/codecov/default.profdata"; \
	$(LLVM_COV) report "$$tests" -instr-profile="$$profile" -ignore-filename-regex='\.build/|Tests/'; \
	echo; echo "Logging code (Sources/LogLineCore, Sources/ECLLogging, Sources/ECLCore/Observability, OTLPLogOutput, StoredLogLine*):"; \
	$(LLVM_COV) report "$$tests" -instr-profile="$$profile" Sources/LogLineCore Sources/ECLLogging Sources/ECLCore/Observability \
	  Sources/OTLPExporter/Export/OTLPLogOutput.swift Sources/ECLLogSQL/StoredLogLine.swift Sources/ECLLogSQL/StoredLogLineOTLP.swift | tail -1 | \
	  awk '{ print "  line coverage: " $$(NF-3) " (" $$(NF-5) " lines, " $$(NF-4) " missed)" }'

clean:
	rm -rf .build
