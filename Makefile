# Earshot — the two commands: `make run` and `make test`.
# Go lives in /usr/local/go on the project's machines; make it findable even
# when the caller's PATH lacks it.
export PATH := $(PATH):/usr/local/go/bin
GO ?= go

# Packages whose concurrency is the product: always tested with the race detector.
RACE_PKGS := ./media/... ./signaling/... ./callcenter/... ./auth/...

.PHONY: run test build check-fmt vet test-go

## run: start the server with embedded defaults (prints where to open it and demo logins)
run:
	$(GO) run ./server

## test: every test (formatting, vet, Go with -race)
test: check-fmt vet test-go

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/earshot ./server

check-fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

test-go:
	$(GO) test -race -count=1 -timeout 15m $(RACE_PKGS)
	$(GO) test -race -count=1 -timeout 15m ./server/...
