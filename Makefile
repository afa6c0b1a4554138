# ctgit's developer entry points. `make demo` and `make test` are the two a
# newcomer needs; CI (.ci/run) runs `make test`.

GO ?= go
TOOLS := $(GO) tool -modfile=tools/go.mod
BIN := bin/ctgit
# -s -w: no symbol table or DWARF (stack traces keep their function names);
# a quarter less binary to map and fault in at every start.
LDFLAGS ?= -s -w

.PHONY: all build test lint demo fuzz bench-drift bench-plan bench-start bench-data clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/ctgit

# vet, then every test with the race detector.
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# staticcheck and actionlint, pinned in tools/go.mod.
lint:
	$(TOOLS) staticcheck ./...
	$(TOOLS) actionlint .github/workflows/*.yml examples/workflows/*.yml

# The quickstart end to end in a scratch repository (see scripts/demo.sh).
demo: build
	./scripts/demo.sh

# A few seconds of fuzzing per target, as CI does.
FUZZTIME ?= 5s
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

# `ctgit drift` next to pandas + SciPy on every shape of data in
# bench/drift/run.sh; SCALE=0.1 for a quick run, REPEAT for the runs a median takes.
bench-drift:
	./bench/drift/run.sh

# `ctgit version` and `ctgit vet` next to `cue vet`, the binary's size and its
# costliest package inits (see bench/start/run.sh).
bench-start: build
	CTGIT=$(BIN) ./bench/start/run.sh

# `ctgit plan` on 100 generated pipelines next to `cue export` of the same files.
bench-plan: build
	./bench/plan/run.sh

# plan and drift over a ~1 GB partitioned dataset in S3 (versitygw on
# loopback) next to the same files on disk (see bench/data/README.md).
bench-data:
	./bench/data/run.sh

clean:
	rm -rf bin
