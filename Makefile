# lancam — see README.md. `make run` and `make test` are all a fresh
# Debian 12 / Raspberry Pi OS machine needs: both install what is missing.

# A Go toolchain at least as new as go.mod asks (downloaded into the user's
# cache when the system's is older, as on Raspberry Pi OS).
GO = $(shell scripts/go-toolchain.sh)
export GOTOOLCHAIN = local
export CGO_ENABLED = 1
# go4vl v0.5.0 names two fourccs that Debian 12's 6.1 kernel headers lack;
# the shim adds them (and is a no-op with newer headers). It is copied to a
# path named by its hash, not used in place: CGO_CFLAGS is part of every cgo
# package's build-cache key, and a path inside the checkout would make each
# clone recompile all C code (Fyne's GL bindings alone take 3-4 minutes).
SHIM_SRC := camera/uvc/shim/linux/videodev2.h
SHIM_DIR := $(HOME)/.cache/lancam/cgo-shim-$(shell sha256sum $(SHIM_SRC) | cut -c1-12)
$(shell mkdir -p $(SHIM_DIR)/linux && cmp -s $(SHIM_SRC) $(SHIM_DIR)/linux/videodev2.h || cp $(SHIM_SRC) $(SHIM_DIR)/linux/videodev2.h)
CGO_CFLAGS ?= -O2 -g
export CGO_CFLAGS += -I$(SHIM_DIR)
# A GOROOT left over from Debian's old Go would break a downloaded toolchain.
unexport GOROOT

BIN      := ./lancam
ARGS     ?=
# git describe, for -version, /status, mDNS and the packages (scripts/version.sh).
VERSION  := $(shell scripts/version.sh)
LDFLAGS  := -X main.version=$(VERSION)
# The race detector exists on 64-bit only (not on 32-bit Raspberry Pi OS).
RACE = $(if $(filter amd64 arm64,$(shell $(GO) env GOARCH)),-race,)
GOFLAGS_TEST ?= $(RACE) -count=1 -timeout 20m

.PHONY: all build run test test-system test-gui test-hostile test-lan test-qemu bench bench-gui fuzz soak deps-run deps-test deps-package vet package package-test clean

all: build

deps-run:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test

deps-package:
	@scripts/deps.sh package

build: deps-run
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) .

## run: build and start lancam's window (headless when there is no display): the first camera, else the test pattern.
run: build
	$(BIN) $(ARGS)

vet: deps-run
	$(GO) vet ./...
	$(GO) vet -tags lan,qemu,gui,hostile,package .
	@out=$$($(dir $(GO))gofmt -l $$(git ls-files -co --exclude-standard '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	GO=$(GO) scripts/copyright.sh --check

## test: every test, with the real clients (ffmpeg, Chromium, curl), a
## private LAN of network namespaces with avahi, and, on x86-64, a real
## kernel's V4L2 drivers (vivid, v4l2loopback) under QEMU.
test: deps-test vet
	scripts/test-deps.sh
	$(GO) test $(GOFLAGS_TEST) ./...
	$(GO) test $(GOFLAGS_TEST) -tags openh264 ./camera/h264/
	$(MAKE) fuzz FUZZTIME=$(TEST_FUZZTIME)
	$(MAKE) package
	$(MAKE) test-system

# The tagged suites of the top-level package, for test-system: QEMU boots an
# x86-64 kernel, so only there. The package tests need `make package` first.
SYSTEM_TAGS = hostile,gui,lan,package$(if $(filter amd64,$(shell $(GO) env GOARCH)),$(comma)qemu,)
SYSTEM_RUN  = Hostile|Slowloris|GUI|Package|LAN$(if $(filter amd64,$(shell $(GO) env GOARCH)),|QEMU,)
comma := ,

## test-system: test-hostile, test-gui, package-test, test-qemu and test-lan in one test
## binary (one build and race link instead of four, minutes on a cold
## machine). Go runs the sequential tests in file order first (hostile,
## GUI, QEMU: nothing else competes for the cores their rates are measured
## on), then the parallel LAN tests together.
test-system: deps-test
	LANCAM_DIST=$(DIST) $(GO) test $(RACE) -tags $(SYSTEM_TAGS) -run '$(SYSTEM_RUN)' -count=1 -timeout 30m -v .

## test-hostile: bad requests, slowloris and clients that never read, next
## to normal viewers that must keep their frame rate; alone, so that no other
## test competes for the two cores those fps are measured on.
test-hostile: deps-test
	$(GO) test $(RACE) -tags hostile -run 'Hostile|Slowloris' -count=1 -timeout 5m -v .

## test-gui: the desktop window and tray under Xvfb (software GL), with a
## private session bus and a tray host of the test's own.
test-gui: deps-test
	$(GO) test $(RACE) -tags gui -run GUI -count=1 -timeout 10m -v .

## package: lancam_VERSION_ARCH.deb (desktop) and lancam-headless_VERSION_ARCH.deb
## (no GUI, for Raspberry Pi OS Lite) for arm64, armhf and amd64 in dist/,
## cross-compiled with Debian's cross compilers (scripts/package.sh).
## PACKAGE_ARCHES=arm64 to build fewer.
DIST ?= dist
PACKAGE_ARCHES ?= arm64 armhf amd64
package: deps-package
	GO=$(GO) scripts/package.sh -o $(DIST) $(PACKAGE_ARCHES)

## package-test: check the packages: fields, files, menu entry, icons, user
## unit; every binary runs (ARM ones under qemu-user) and serves a snapshot
## to curl; the amd64 ones install into a fresh dpkg root.
package-test: deps-test package
	LANCAM_DIST=$(DIST) $(GO) test -tags package -run Package -count=1 -timeout 10m -v .

## test-lan: discovery between lancams, browsers and avahi on a private LAN
## (network namespaces on 10.99.0.0/24, removed afterwards). Needs root;
## skipped without it unless CI=true.
test-lan: deps-test
	$(GO) test $(RACE) -tags lan -run LAN -count=1 -timeout 5m -v .

## test-qemu: boot Debian's kernel under QEMU (software emulation) with vivid
## and v4l2loopback, and check lancam's V4L2 source from the host.
test-qemu: deps-test
ifeq ($(shell $(GO) env GOARCH),amd64)
	$(GO) test -tags qemu -run QEMU -count=1 -timeout 15m -v .
else
	@echo "test-qemu: the QEMU camera tests boot an x86-64 kernel; skipped on $(shell $(GO) env GOARCH)"
endif

## bench: Go benchmarks, tjbench on the same frame, and the fan-out load test.
bench: deps-test build
	GO=$(GO) scripts/bench.sh

## fuzz: every Fuzz* target for FUZZTIME each on top of its seed corpus
## (scripts/fuzz.sh); a crasher is left in <pkg>/testdata/fuzz/<Name>/ to
## commit, and plain `go test` replays it from then on.
FUZZTIME ?= 30s
TEST_FUZZTIME ?= 15s
fuzz: deps-test
	GO=$(GO) FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

## soak: 10 minutes (DURATION=2m to shorten) of 50 churning viewers on a
## 720p test stream; fails if lancam's RSS, goroutines or fds creep up. Not
## part of test (CI).
soak: deps-test build
	GO=$(GO) scripts/soak.sh $(BIN)

## bench-gui: CPU, RSS and preview rate of the window, shown and hidden to
## the tray (Xvfb, software GL).
bench-gui: deps-test build
	GO=$(GO) scripts/bench-gui.sh $(BIN)

clean:
	rm -rf $(BIN) $(DIST)
