package main

// A password on every URL: -password-file and $LANCAM_PASSWORD, played by
// curl and ffmpeg, and the password kept out of everything lancam shows.

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lancam/internal/testenv"
)

// startAuthLancam is startLancam for a lancam that asks for user:pass:
// readiness is /status answering 200 to them.
func startAuthLancam(t *testing.T, user, pass string, args ...string) *lancam {
	t.Helper()
	for attempt := 1; ; attempt++ {
		l := launchLancam(t, freeAddr(t), args...)
		err := l.waitAuthReady(user, pass)
		if err == nil {
			t.Cleanup(func() { l.stop(t, syscall.SIGTERM) })
			return l
		}
		if attempt < 5 && l.exited() && strings.Contains(l.stderr.String(), "address already in use") {
			continue
		}
		t.Fatalf("lancam: %v\nstderr:\n%s", err, l.stderr.String())
	}
}

// waitAuthReady polls /status with credentials, like waitReady.
func (l *lancam) waitAuthReady(user, pass string) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for {
		req, _ := http.NewRequest("GET", l.url("/status"), nil)
		req.SetBasicAuth(user, pass)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/status: %s", resp.Status)
			if resp.StatusCode != http.StatusUnauthorized {
				return err // the password was not taken
			}
		}
		select {
		case <-l.done:
			return fmt.Errorf("exited early with code %d", l.cmd.ProcessState.ExitCode())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %v", readyTimeout, err)
		}
	}
}

// authGet fetches path with user:pass ("" user: none) and returns status
// and body.
func authGet(t *testing.T, l *lancam, path, user, pass string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", l.url(path), nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.Bytes()
}

// checkPasswordHidden fails when pass shows in lancam's output, /status,
// /peers or its command line.
func checkPasswordHidden(t *testing.T, l *lancam, user, pass string) {
	t.Helper()
	places := map[string]string{"stderr": l.stderr.String(), "stdout": l.stdout.String()}
	for _, path := range []string{"/status", "/peers", "/"} {
		code, body := authGet(t, l, path, user, pass)
		if code != http.StatusOK {
			t.Errorf("%s with the password: %d", path, code)
		}
		places[path] = string(body)
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(l.cmd.Process.Pid) + "/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	places["/proc/PID/cmdline"] = string(cmdline)
	for where, text := range places {
		if strings.Contains(text, pass) {
			t.Errorf("the password shows in %s", where)
		}
	}
}

// TestE2EPasswordFile: with -password-file, curl without credentials gets
// 401 and the challenge, with them a JPEG; ffmpeg plays the stream with
// the credentials in the URL; the password shows nowhere.
func TestE2EPasswordFile(t *testing.T) {
	t.Parallel()
	const pass = "pw-4711-geheim"
	file := filepath.Join(t.TempDir(), "password")
	writeFile(t, file, pass+"\n")
	l := startAuthLancam(t, "lancam", pass, "-source", "test", "-size", "320x240", "-password-file", file)
	curl := testenv.Tool(t, "curl")

	for _, path := range []string{"/", "/stream.mjpg", "/snapshot.jpg", "/status", "/peers"} {
		resp := curlHead(t, curl, l.url(path))
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), `Basic realm="lancam"`) {
			t.Errorf("curl %s without credentials: %s, WWW-Authenticate %q", path, resp.Status, resp.Header.Get("WWW-Authenticate"))
		}
	}
	if resp := curlHead(t, curl, "-u", "lancam:wrong", l.url("/snapshot.jpg")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("curl with a wrong password: %s", resp.Status)
	}
	out := filepath.Join(t.TempDir(), "snap.jpg")
	_, stderr, err := runTool(t, curl, "-s", "-f", "--max-time", "5", "-u", "lancam:"+pass, "-o", out, l.url("/snapshot.jpg"))
	if err != nil {
		t.Fatalf("curl -u: %v\n%s", err, stderr)
	}
	if b, _ := os.ReadFile(out); !bytes.HasPrefix(b, []byte{0xff, 0xd8}) {
		t.Errorf("curl -u: %d bytes, not a JPEG", len(b))
	}

	ffmpeg := testenv.Tool(t, "ffmpeg")
	u := "http://lancam:" + pass + "@" + l.addr + "/stream.mjpg"
	fout, stderr, err := runTool(t, ffmpeg, "-nostdin", "-v", "error", "-i", u, "-frames:v", "10", "-f", "framemd5", "-")
	if err != nil || stderr != "" {
		t.Fatalf("ffmpeg with credentials: %v\n%s", err, stderr)
	}
	if n := strings.Count(fout, "\n0,"); n != 10 {
		t.Errorf("ffmpeg decoded %d frames, want 10", n)
	}
	checkPasswordHidden(t, l, "lancam", pass)
	if !strings.Contains(l.stderr.String(), "127.0.0.1") {
		t.Errorf("the wrong password was not logged with the address:\n%s", l.stderr.String())
	}
}

// TestE2EPasswordEnv: $LANCAM_PASSWORD (with -user) works the same and is
// not logged. Not parallel: it sets the environment lancam inherits.
func TestE2EPasswordEnv(t *testing.T) {
	const pass = "env-pw-0815-streng"
	t.Setenv("LANCAM_PASSWORD", pass)
	l := startAuthLancam(t, "admin", pass, "-source", "test", "-size", "320x240", "-user", "admin")
	os.Unsetenv("LANCAM_PASSWORD") // t.Setenv restores it afterwards
	if code, _ := authGet(t, l, "/snapshot.jpg", "", ""); code != http.StatusUnauthorized {
		t.Errorf("without credentials: %d", code)
	}
	if code, _ := authGet(t, l, "/snapshot.jpg", "lancam", pass); code != http.StatusUnauthorized {
		t.Errorf("with the default user instead of -user: %d", code)
	}
	if code, body := authGet(t, l, "/snapshot.jpg", "admin", pass); code != http.StatusOK || !bytes.HasPrefix(body, []byte{0xff, 0xd8}) {
		t.Errorf("with credentials: %d, %d bytes", code, len(body))
	}
	checkPasswordHidden(t, l, "admin", pass)
}

// TestE2EPasswordFileBad: a missing or empty -password-file is exit code 2
// with one line, before anything listens.
func TestE2EPasswordFileBad(t *testing.T) {
	t.Parallel()
	empty := filepath.Join(t.TempDir(), "empty")
	writeFile(t, empty, "")
	for _, file := range []string{filepath.Join(t.TempDir(), "missing"), empty} {
		l := launchLancam(t, freeAddr(t), "-source", "test", "-password-file", file)
		code, ok := l.waitExit(stopTimeout)
		if !ok || code != 2 {
			t.Errorf("-password-file %s: exit %d (exited %v), want 2", file, code, ok)
		}
		if s := l.stderr.String(); strings.Count(s, "\n") != 1 || !strings.Contains(s, "-password-file") {
			t.Errorf("-password-file %s: stderr %q, want one line naming the flag", file, s)
		}
	}
}
