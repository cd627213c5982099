# The same gates as .ci/run, one target each.
export GOTOOLCHAIN := local

.PHONY: all check fmt vet lint build generate verify-generated test fuzz bots bench

all: check

check: fmt vet lint build verify-generated test fuzz bots

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	go vet ./...

lint:
	go tool staticcheck ./...

build:
	go build -o bin/confab ./cmd/confab

generate:
	go run ./cmd/confab schema > schema/bot.schema.json

verify-generated: build
	bin/confab schema | diff -u schema/bot.schema.json -

test:
	go test -race -count=1 ./...

# Each request decoder for a few seconds (as in CI).
fuzz:
	for t in FuzzDecodeSendRequest FuzzDecodeChannelRequest FuzzDecodeTokenRequest FuzzDecodeKinds FuzzDecodeWebhookRequest FuzzDecodeWebhookUpdate FuzzDecodeOperatorMessage FuzzDecodeSessionRequest FuzzDecodeTriggerRequest FuzzDecodeParseRequest; do \
		go test -run '^$$' -fuzz "^$$t\$$" -fuzztime 3s ./internal/api/ || exit 1; done

bots: build
	bin/confab validate bots/
	bin/confab test bots/

# End to end, under 2 minutes: the relay baselines, then Confab on SQLite and
# PostgreSQL (CONFAB_BENCH_DATABASE_URL, skipped when unreachable); see
# docs/performance.md.
bench:
	go run ./bench -duration 10s -concurrency 64
