# One command runs the server, one passes the tests. See README.md.

CARGO ?= cargo

.PHONY: run test test-future lint fmt schema build bench bench-api bench-live soak audit clean-data demo

## run: serve on http://127.0.0.1:8080 (SQLite under data/, seeded on first start)
run:
	$(CARGO) run --bin coalition -- serve

## test: every test; PostgreSQL too when TEST_DATABASE_URL is set. The end-to-end tests
## start the built `coalition` binary, so it is built first.
test:
	$(CARGO) build --bin coalition
	$(CARGO) test --workspace

## test-future: the whole suite with the machine's clock 400 days ahead (needs faketime):
## no test may depend on today's date.
test-future:
	CARGO=$(CARGO) tests/run-in-the-future.sh +400d

## lint: formatting and clippy, warnings as errors
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## fmt: format the code
fmt:
	$(CARGO) fmt --all

## schema: rewrite schema.graphql from the code
schema:
	$(CARGO) run --bin coalition -- export-schema --output schema.graphql

## bench: both benchmarks below
bench: bench-api bench-live

## bench-api: the release server over demo data (`seed --demo --scale 5000`) on SQLite and, when
##   BENCH_DATABASE_URL or TEST_DATABASE_URL is set, PostgreSQL: the dashboard and a fixed mix
##   with 16 clients, against a raw-SQL baseline, with mimalloc and with the system allocator
bench-api:
	$(CARGO) build --release -p coalition-server --no-default-features --bin coalition
	cp "$${CARGO_TARGET_DIR:-target}/release/coalition" "$${CARGO_TARGET_DIR:-target}/release/coalition-system-alloc"
	$(CARGO) build --release --workspace --bins
	"$${CARGO_TARGET_DIR:-target}/release/bench-api" --server "$${CARGO_TARGET_DIR:-target}/release/coalition" \
	  --server-system-alloc "$${CARGO_TARGET_DIR:-target}/release/coalition-system-alloc" $(BENCH_API_ARGS)

## bench-live: live-update fan-out, 100 to 10,000 WebSocket subscribers, in process and via Redis
bench-live:
	$(CARGO) build --release --workspace --bins
	ulimit -n 65536 2>/dev/null || true; \
	  "$${CARGO_TARGET_DIR:-target}/release/bench-subscribers" --server "$${CARGO_TARGET_DIR:-target}/release/coalition" $(BENCH_ARGS)

## demo: the embedded database with 1,000 demo people (password in README.md), then serve
demo:
	$(CARGO) run --bin coalition -- seed --demo --scale $${DEMO_SCALE:-1000}
	$(CARGO) run --bin coalition -- serve

## audit: graphql-http audit suite, graphql-ws client, standard introspection queries and GraphiQL in
##   headless Chromium, against a real server (needs Node.js and /usr/bin/chromium or $CHROMIUM)
audit:
	$(CARGO) build --bin coalition
	tests/audit/run.sh "$${CARGO_TARGET_DIR:-target}/debug/coalition"

## soak: two release instances on PostgreSQL, Redis and SMTP under a fixed mix for SOAK_MINUTES
##   (default 10): memory over time, errors, mail delivered once, events received vs published
soak:
	$(CARGO) build --release --workspace --bin coalition --bin bench-soak
	SOAK_MINUTES=$${SOAK_MINUTES:-10} "$${CARGO_TARGET_DIR:-target}/release/bench-soak" --server "$${CARGO_TARGET_DIR:-target}/release/coalition" $(SOAK_ARGS)

build:
	$(CARGO) build --workspace --release

## clean-data: remove the embedded database (the next `make run` seeds a fresh one)
clean-data:
	rm -rf data
