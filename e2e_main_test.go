package main

// End-to-end tests: the real lancam binary, started as a user would, played
// by the real clients people use (ffprobe, ffmpeg, curl, headless Chromium)
// and by Go's own strict parsers.
//
// In CI (CI=true) a missing client program fails the test; elsewhere the test
// is skipped with a message.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// lancamBin is the binary TestMain builds for the end-to-end tests.
var lancamBin string

const (
	buildTimeout   = 5 * time.Minute  // a cold cgo build on a slow machine
	processTimeout = 2 * time.Minute  // longest any started process may live
	readyTimeout   = 10 * time.Second // from start until /status answers
	stopTimeout    = 5 * time.Second  // from SIGTERM/SIGINT until exit
	toolTimeout    = 20 * time.Second // one ffmpeg, ffprobe or curl run
	chromeTimeout  = 15 * time.Second // one whole Chromium session
)

// TestMain builds lancam once, with the same go command that runs the tests.
func TestMain(m *testing.M) {
	if runClockCameraIfAsked() {
		return
	}
	dir, err := os.MkdirTemp("", "lancam-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	lancamBin = filepath.Join(dir, "lancam")
	if err := buildLancam(lancamBin); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building lancam:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// e2eVersion is stamped into the binary the e2e tests run, the way `make`
// stamps git describe's, so the tests see it arrive in -version and /status.
const e2eVersion = "0.0.0-e2e"

// buildLancam runs `go build -o out .` with the toolchain of this test.
func buildLancam(out string) error {
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		if goCmd, err = exec.LookPath("go"); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "build", "-ldflags=-X main.version="+e2eVersion, "-o", out, ".")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v\n%s", err, b)
	}
	return nil
}
