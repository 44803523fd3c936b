# metabench build, test and benchmark entry points. `make bench` and
# `make test` install what they need on a fresh Debian machine (as root).

GO            ?= go
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Debian packages the tests need: OpenBLAS for the openblas build of the
# network engine, numpy to check that Python reads our npz and safetensors,
# h5py and pytest for the Python package's tests (make test-python).
# The window (gui/, cmd/metabench-gui) needs cgo, X11/GL headers, and for
# its tests a virtual display and synthetic key presses.
GUI_APT_PACKAGES := libx11-dev libxext-dev libgl1-mesa-dev libxrandr-dev libxcursor-dev \
                    libxinerama-dev libxi-dev libxxf86vm-dev xvfb xauth xdotool
APT_PACKAGES  := libopenblas-dev python3-numpy python3-h5py python3-pytest $(GUI_APT_PACKAGES)
FUZZ_EXECS    ?= 200000
BIN           := ./metabench
GUI_BIN       := ./metabench-gui
# Reports name the commit they were built from where the tree is a git
# checkout, even where GOFLAGS turns VCS stamping off.
VCS           := -buildvcs=auto
# The Debian interpreter, where python3-numpy and friends are installed
# (a python3 earlier on PATH, from pyenv say, would not see them).
PYTHON        ?= /usr/bin/python3

.PHONY: all deps build build-openblas gui bench test lint unit fuzz smoke test-python test-gui test-slurm clean

all: build

# deps installs the Debian packages that are missing, and the Go modules.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	$(GO) mod download

# The headless binary, without a window: pure Go (no cgo), which gives the
# same bits for the same seed on every x86-64 CPU with AVX2 and FMA
# (docs/engine.md). `make build-openblas` links OpenBLAS instead: about 3%
# less CPU time on `metabench bench` on the 2-core AMD EPYC, but OpenBLAS
# picks its kernels by CPU model, so its results differ between CPUs.
build:
	CGO_ENABLED=0 $(GO) build $(VCS) -o $(BIN) .

build-openblas:
	CGO_ENABLED=1 $(GO) build $(VCS) -tags openblas -o $(BIN) .

# The window: `metabench view` and `metabench record` run this binary.
gui:
	CGO_ENABLED=1 $(GO) build -o $(GUI_BIN) ./cmd/metabench-gui

# The main job: the headless benchmark suite on its default profile.
bench: deps build
	$(BIN) bench

test: deps lint fuzz smoke unit test-python test-gui test-slurm

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	CGO_ENABLED=0 $(GO) vet ./...
	CGO_ENABLED=0 $(GO) run $(STATICCHECK) ./...
	@if CGO_ENABLED=0 $(GO) list -deps . | grep -q hajimehoshi/ebiten; then \
		echo "the headless binary imports ebiten"; exit 1; fi
	@# internal/ is the floor of the house: it imports nothing of the project
	@# outside internal/ (no suite, learner, policy, world or window).
	@bad=$$(CGO_ENABLED=0 $(GO) list -deps ./internal/... | \
		grep '^github.com/metabench/metabench' | grep -v '^github.com/metabench/metabench/internal/' || true); \
	if [ -n "$$bad" ]; then echo "internal/ imports the project outside internal/:"; echo "$$bad"; exit 1; fi

unit:
	CGO_ENABLED=1 $(GO) test -tags openblas ./nn/... ./benchmarks/nnbench/...
	CGO_ENABLED=0 $(GO) test -tags purego ./nn/internal/simd/
	@# Without the assembly, and with Go's math taking its paths for CPUs
	@# without FMA, every op still gives the golden bits.
	GODEBUG=cpu.fma=off,cpu.avx2=off CGO_ENABLED=0 $(GO) test -tags purego -run TestOpBits ./nn/
	@# The physics and the bridge build worlds on parallel goroutines;
	@# translation models share their decoding tapes across goroutines;
	@# the kernels' thread budget takes slots without a lock.
	CGO_ENABLED=1 $(GO) test -race ./sim/... ./bridge/...
	CGO_ENABLED=1 $(GO) test -race -run TestDecodingOnWarmTapes ./agents/nmt/
	CGO_ENABLED=1 $(GO) test -race -run 'TestBudgetSlots|TestThreadBudget' ./nn/internal/simd/
	CGO_ENABLED=0 $(GO) test -timeout 30m ./...

# Short runs of every fuzz target, a fixed number of inputs each (the seed
# corpora also run in `unit`); see scripts/fuzz.sh.
fuzz:
	GO=$(GO) FUZZ_EXECS=$(FUZZ_EXECS) scripts/fuzz.sh

# The imitation suite end to end on its smallest profile: data, training of
# every variant, evaluation, tables. Built into a temporary file, so that
# the binary `make bench` built stays as it is.
smoke:
	tmp=$$(mktemp -d) && CGO_ENABLED=0 $(GO) build -o $$tmp/metabench . && \
	$$tmp/metabench bench imitation --profile smoke --quiet --cache $$tmp/cache >/dev/null && rm -rf $$tmp

# The Python package (python/) against a pure-Go binary built into a
# temporary directory: the environment's API contract, the vector
# environment, datasets and HDF5, ECFP and BLEU against the CLI, and the
# bridge's errors. The behaviour-cloning example runs too where
# python3-torch is installed, and is skipped where it is not.
test-python:
	tmp=$$(mktemp -d) && CGO_ENABLED=0 $(GO) build -o $$tmp/metabench . && \
	cd python && METABENCH_BIN=$$tmp/metabench PYTHONDONTWRITEBYTECODE=1 $(PYTHON) -m pytest -q -p no:cacheprovider tests && \
	rm -rf $$tmp

# Window tests under Xvfb: a real window, pixels checked, a recording replayed.
test-gui:
	scripts/test-gui.sh
	GO=$(GO) scripts/test-gui-display.sh

# metabench slurm against a real single-node Slurm (installs slurm-wlm and
# munge when missing; see scripts/test-slurm.sh).
test-slurm:
	GO=$(GO) scripts/test-slurm.sh

clean:
	rm -f $(BIN) $(GUI_BIN)
