# One command runs the server, one passes the tests. See README.md.

CARGO ?= cargo

.PHONY: run test test-future lint fmt schema build bench soak audit clean-data

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

## bench: live-update fan-out, 100 to 10,000 WebSocket subscribers, in process and via Redis
bench:
	$(CARGO) build --release --workspace --bins
	ulimit -n 65536 2>/dev/null || true; \
	  "$${CARGO_TARGET_DIR:-target}/release/bench-subscribers" --server "$${CARGO_TARGET_DIR:-target}/release/coalition" $(BENCH_ARGS)

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
