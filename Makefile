# Earshot — the two commands: `make run` and `make test`.
# Go lives in /usr/local/go on the project's machines; make it findable even
# when the caller's PATH lacks it.
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
NPM ?= npm
# Debian's Chromium and Firefox ESR drive the browser tests; never a browser
# downloaded by npm.
CHROMIUM ?= /usr/bin/chromium
FIREFOX ?= /usr/bin/firefox-esr

# Packages whose concurrency is the product: always tested with the race detector.
RACE_PKGS := ./media/... ./signaling/... ./callcenter/... ./auth/... ./internal/... ./cluster/...

.PHONY: run test build check-fmt vet test-go client test-client browsers soak fuzz

## run: build the browser apps, then start the server with embedded defaults
## (prints where to open it and demo logins)
run: client
	$(GO) run ./server

## test: every test (formatting, vet, Go with -race, then the SDK unit tests and
## the browser end to end in Chromium)
test: check-fmt vet test-go test-client

build: client
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/earshot ./server

check-fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# The media plane, the server and the small load test run twice: with one
# forwarding shard and with two (EARSHOT_TEST_MEDIA_SHARDS for the tests'
# SFUs; EARSHOT_MEDIA_SHARDS reaches the server the load test starts).
test-go:
	$(GO) test -race -count=1 -timeout 15m $(RACE_PKGS)
	$(GO) test -race -count=1 -timeout 15m ./store/... ./reporting/...
	$(GO) test -race -count=1 -timeout 15m ./server/...
	EARSHOT_TEST_MEDIA_SHARDS=2 $(GO) test -race -count=1 -timeout 15m ./media/... ./server/...
	$(GO) test -race -count=1 -timeout 15m ./loadtest/...
	EARSHOT_MEDIA_SHARDS=2 $(GO) test -race -count=1 -timeout 15m -run 'TestSmallLoad$$' ./loadtest/

## soak: SOAK_CALLS monitored calls (customer, agent, supervisor walking
## Listen → Whisper → Barge → Listen with real media and the oracle), in
## waves of SOAK_CONCURRENCY, against a server the load tester starts on
## loopback; fails unless every call ended cleanly, nothing leaked, and the
## server's goroutines and open files returned to the baseline taken after a
## warm-up wave. Parameters: SOAK_CALLS (1000), SOAK_CONCURRENCY (50),
## SOAK_STEP (time per supervisor mode, 500ms), SOAK_RAMP (joins per second
## within a wave, 25), SOAK_SETTLE (bound of the wait for the baseline, 30s),
## SOAK_JSON (report file, soak.json), SOAK_ARGS (more loadtest flags, e.g.
## -soak-heap-profiles DIR). make test runs a short one (TestSoakShort).
SOAK_CALLS ?= 1000
SOAK_CONCURRENCY ?= 50
SOAK_STEP ?= 500ms
SOAK_RAMP ?= 25
SOAK_SETTLE ?= 30s
SOAK_JSON ?= soak.json
SOAK_ARGS ?=
soak:
	$(GO) run ./loadtest -soak -soak-calls $(SOAK_CALLS) -soak-concurrency $(SOAK_CONCURRENCY) \
		-soak-step $(SOAK_STEP) -ramp $(SOAK_RAMP) -soak-settle $(SOAK_SETTLE) -json $(SOAK_JSON) $(SOAK_ARGS)

## fuzz: run every fuzz target for FUZZTIME each, one after another (go test
## fuzzes one target per invocation). `make test` runs their seed corpora
## (testdata/fuzz) as ordinary tests. Results: docs/security.md.
FUZZTIME ?= 60s
# Each new interesting input is minimised for at most this long; with the
# default (60s) a slow target spends its whole run minimising.
FUZZMINIMIZETIME ?= 5s
# Every fuzz target, as package:FuzzName. `make fuzz` fails if a Fuzz
# function in the tree is missing here.
FUZZ_TARGETS := \
	./signaling/:FuzzDecodeRequest \
	./signaling/:FuzzRequestData \
	./auth/:FuzzHS256Verify \
	./auth/:FuzzOIDCClaims \
	./media/:FuzzSTUN \
	./media/:FuzzRTPIngress \
	./media/:FuzzRTCPIngress \
	./media/:FuzzParseOffer

fuzz:
	@missing=""; \
	for f in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' --exclude-dir=node_modules . | sed 's/^func //' | sort -u); do \
		case " $(FUZZ_TARGETS) " in *":$$f "*) ;; *) missing="$$missing $$f";; esac; \
	done; \
	if [ -n "$$missing" ]; then echo "fuzz targets missing from FUZZ_TARGETS:$$missing"; exit 1; fi
	@failed=""; \
	for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) -parallel 1 $$pkg || failed="$$failed $$name"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz targets that failed:$$failed"; exit 1; fi

## client: build the browser apps into server/web/dist, which the server embeds.
## Without it the server still builds and serves a placeholder page (server/web.go).
client: node_modules
	$(NPM) run build

node_modules: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch node_modules

## test-client: vitest unit tests of the SDK, then the browser end to end
## (Chromium and Firefox ESR, in a network namespace of their own:
## client/e2e/isolated-net.sh)
test-client: client browsers
	$(NPM) test
	$(NPM) run test:e2e

browsers:
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="$$missing chromium"; \
	[ -x "$(FIREFOX)" ] || missing="$$missing firefox-esr"; \
	command -v unshare >/dev/null && command -v ip >/dev/null || missing="$$missing util-linux iproute2"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "missing for the browser tests:$$missing — run 'apt-get install$$missing' as root"; exit 1; fi; \
		echo "installing Debian's$$missing for the browser tests"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
