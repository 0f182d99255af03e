package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestE2ESignals checks that SIGINT stops lancam as cleanly as SIGTERM, even
// with a viewer connected.
func TestE2ESignals(t *testing.T) {
	t.Parallel()
	l := startLancam(t, "-source", "test", "-size", "320x240", "-fps", "15")
	s := openStream(t, l.url("/stream.mjpg"))
	s.nextJPEG(t)
	l.stop(t, syscall.SIGINT)
	s.waitEnd(t)
}

// TestE2EBusyPort starts a second lancam on the port of a running one: it
// must exit 1 with one line naming the address, and the first keeps serving.
func TestE2EBusyPort(t *testing.T) {
	t.Parallel()
	first := startLancam(t, "-source", "test", "-size", "320x240")
	second := launchLancam(t, first.addr, "-source", "test", "-size", "320x240")
	code, ok := second.waitExit(stopTimeout)
	if !ok {
		t.Fatalf("the second lancam on busy %s is still running after %v", first.addr, stopTimeout)
	}
	if code != 1 {
		t.Errorf("exit code %d on a busy port, want 1", code)
	}
	msg := second.stderr.String()
	if strings.Count(msg, "\n") != 1 || !strings.HasSuffix(msg, "\n") || !strings.Contains(msg, first.addr) {
		t.Errorf("stderr is not one line naming %s:\n%s", first.addr, msg)
	}
	if resp, _ := httpGet(t, first.url("/status")); resp.StatusCode != http.StatusOK {
		t.Errorf("the first lancam stopped answering: %s", resp.Status)
	}
}

// TestE2EOneLineErrorInCLocale: with the C.UTF-8 locale of containers and
// ssh sessions (which the GUI toolkit's locale lookup cannot parse and
// would complain about before main runs), a wrong flag is still exactly
// one line on stderr, for each spelling of the locale variables.
func TestE2EOneLineErrorInCLocale(t *testing.T) {
	t.Parallel()
	for _, env := range []string{"LANG=C.UTF-8", "LC_ALL=C.utf8", "LC_MESSAGES=C.UTF-8"} {
		cmd := exec.Command(lancamBin, "-headless", "-source", "bogus")
		cmd.Env = append(os.Environ(), "LANG=", "LC_ALL=", "LC_MESSAGES=", env)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
			t.Errorf("%s: %v, want exit code 2", env, err)
		}
		if msg := stderr.String(); strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "lancam: ") {
			t.Errorf("%s: stderr is not one line:\n%s", env, msg)
		}
	}
}
