package main

// The lancam process under test: start, wait for it, stop it.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lancam is one running lancam process.
type lancam struct {
	addr   string // host:port it listens on
	cmd    *exec.Cmd
	stdout lockedBuffer
	stderr lockedBuffer
	done   chan struct{} // closed once the process has exited

	stopOnce sync.Once
}

// startLancam starts `lancam -headless -listen 127.0.0.1:PORT args...` on a
// free port, waits until /status answers, and stops it with SIGTERM at the
// end of the test, failing the test unless it then exits 0 in time.
func startLancam(t *testing.T, args ...string) *lancam {
	t.Helper()
	return startLancamCmd(t, []string{lancamBin}, nil, args...)
}

// startLancamCmd is startLancam for another lancam binary: argv is the
// command that runs it (e.g. through qemu-user); env is added to the test's
// environment.
func startLancamCmd(t *testing.T, argv, env []string, args ...string) *lancam {
	t.Helper()
	for attempt := 1; ; attempt++ {
		l := launchLancamCmd(t, argv, env, freeAddr(t), args...)
		err := l.waitReady(readyTimeout)
		if err == nil {
			t.Cleanup(func() { l.stop(t, syscall.SIGTERM) })
			return l
		}
		// Another process may have taken the port between freeAddr and
		// lancam's listen: try another one.
		if attempt < 5 && l.exited() && strings.Contains(l.stderr.String(), "address already in use") {
			continue
		}
		t.Fatalf("lancam %s: %v\nstderr:\n%s", strings.Join(l.cmd.Args[1:], " "), err, l.stderr.String())
	}
}

// launchLancam starts lancam on addr without waiting for it; the process is
// killed at the end of the test if still running.
func launchLancam(t *testing.T, addr string, args ...string) *lancam {
	t.Helper()
	return launchLancamCmd(t, []string{lancamBin}, nil, addr, args...)
}

// launchLancamCmd is launchLancam for the lancam that argv runs, with env
// added to the environment.
func launchLancamCmd(t *testing.T, argv, env []string, addr string, args ...string) *lancam {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	l := &lancam{addr: addr, done: make(chan struct{})}
	// -no-mdns: tests outside their own network namespaces must not
	// announce on the machine's real network (the netns tests cover mDNS).
	argv = append(append(argv[:len(argv):len(argv)], "-headless", "-no-mdns", "-listen", addr), args...)
	l.cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
	l.cmd.Env = append(append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir()), env...)
	l.cmd.Stdout, l.cmd.Stderr = &l.stdout, &l.stderr
	l.cmd.WaitDelay = time.Second
	if err := l.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		l.cmd.Wait()
		close(l.done)
	}()
	t.Cleanup(func() {
		cancel() // kills it if a failed test left it running
		<-l.done
	})
	return l
}

// url is the full URL of a path on this lancam, e.g. "/status".
func (l *lancam) url(path string) string { return "http://" + l.addr + path }

// exited reports whether the process has ended.
func (l *lancam) exited() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// waitReady polls /status until it answers 200, the process exits, or the
// timeout passes.
func (l *lancam) waitReady(timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Get(l.url("/status"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/status: %s", resp.Status)
		}
		select {
		case <-l.done:
			return fmt.Errorf("exited early with code %d", l.cmd.ProcessState.ExitCode())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %v", timeout, err)
		}
	}
}

// waitExit waits up to timeout for the process to end and returns its exit
// code, or -1 and false on a timeout.
func (l *lancam) waitExit(timeout time.Duration) (int, bool) {
	select {
	case <-l.done:
		return l.cmd.ProcessState.ExitCode(), true
	case <-time.After(timeout):
		return -1, false
	}
}

// stop sends sig and checks that lancam exits 0 within stopTimeout and
// logged no error. Only the first call does anything.
func (l *lancam) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	l.stopOnce.Do(func() {
		if l.exited() {
			t.Errorf("lancam on %s exited on its own with code %d; stderr:\n%s",
				l.addr, l.cmd.ProcessState.ExitCode(), l.stderr.String())
			return
		}
		start := time.Now()
		if err := l.cmd.Process.Signal(sig); err != nil {
			t.Errorf("signal %v: %v", sig, err)
		}
		code, ok := l.waitExit(stopTimeout)
		switch {
		case !ok:
			l.cmd.Process.Kill()
			t.Errorf("lancam did not exit within %v of %v; stderr:\n%s", stopTimeout, sig, l.stderr.String())
		case code != 0:
			t.Errorf("lancam exited with code %d after %v, want 0; stderr:\n%s", code, sig, l.stderr.String())
		default:
			t.Logf("lancam exited 0 %v after %v", time.Since(start).Round(time.Millisecond), sig)
		}
		for _, line := range strings.Split(l.stderr.String(), "\n") {
			if strings.Contains(line, "level=ERROR") || strings.Contains(line, "panic") {
				t.Errorf("lancam logged: %s", line)
			}
		}
	})
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// lockedBuffer is a bytes.Buffer safe for a process writing while the test
// reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
