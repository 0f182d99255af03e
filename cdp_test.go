package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chrome is a headless Chromium driven over --remote-debugging-pipe: the
// DevTools protocol as NUL-terminated JSON messages, requests on the
// browser's fd 3, answers and events on its fd 4. No WebSocket client (and no
// third-party module) is needed, and no debugging port is opened.
type chrome struct {
	t        *testing.T
	cmd      *exec.Cmd
	done     chan struct{}
	profile  string
	toChrome *os.File // our end of the browser's fd 3
	fromPipe *os.File // our end of the browser's fd 4
	r        *bufio.Reader
	started  time.Time
	deadline time.Time // for every call: the session's end
	nextID   int
	session  string // the page's session, once attached
	output   lockedBuffer
}

// startChrome starts headless Chromium in its own process group with a new
// profile. At the end of the test it is closed, its whole process group is
// killed, and the test fails if any of its processes is left.
func startChrome(t *testing.T, bin string) *chrome {
	t.Helper()
	return startChromeVia(t, nil, bin, chromeTimeout)
}

// startChromeVia is startChrome with a command prefix, e.g. `ip netns exec
// NS` to browse from inside a test network.
func startChromeVia(t *testing.T, prefix []string, bin string, timeout time.Duration) *chrome {
	t.Helper()
	c := &chrome{t: t, profile: t.TempDir(), done: make(chan struct{}),
		started: time.Now(), deadline: time.Now().Add(timeout)}
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	resR, resW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c.toChrome, c.fromPipe, c.r = cmdW, resR, bufio.NewReaderSize(resR, 1<<20)

	ctx, cancel := context.WithDeadline(context.Background(), c.deadline)
	argv := append(slices.Clone(prefix), bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-breakpad", "--mute-audio", "--hide-scrollbars",
		// WebRTC on loopback: a test machine may have no other interface,
		// and Chromium otherwise neither uses 127.0.0.1 nor shows its own
		// addresses (it hides them behind mDNS names).
		"--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
		"--user-data-dir="+c.profile, "--window-size=800,600", "--remote-debugging-pipe", "about:blank")
	c.cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.cmd.ExtraFiles = []*os.File{cmdR, resW} // fds 3 and 4
	c.cmd.Stdout, c.cmd.Stderr = &c.output, &c.output
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.cmd.Cancel = func() error { return syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL) }
	c.cmd.WaitDelay = 2 * time.Second
	if err := c.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	cmdR.Close()
	resW.Close()
	go func() {
		c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		c.close()
		cancel()
		if t.Failed() {
			t.Logf("chromium output (without its D-Bus complaints):\n%s", withoutLines(c.output.String(), "dbus"))
		}
	})
	return c
}

// close asks the browser to quit, then kills whatever is left of its
// process group, and checks that no process of this profile survives.
func (c *chrome) close() {
	start := time.Now()
	c.session = ""
	c.deadline = time.Now().Add(2 * time.Second)
	c.call("Browser.close", nil, nil)
	select {
	case <-c.done:
	case <-time.After(3 * time.Second):
		c.t.Log("chromium did not quit on Browser.close; killing it")
	}
	syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.done
	c.toChrome.Close()
	c.fromPipe.Close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		left := processesMentioning(c.profile)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			c.t.Errorf("chromium processes left behind: %v", left)
			for _, pid := range left {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Logf("chromium ran %v, closing took %v",
		time.Since(c.started).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// call sends one DevTools command (to the page once attached) and decodes
// its result into result, skipping events and other answers.
func (c *chrome) call(method string, params, result any) error {
	c.nextID++
	id := c.nextID
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if c.session != "" {
		msg["sessionId"] = c.session
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	c.toChrome.SetWriteDeadline(c.deadline)
	if _, err := c.toChrome.Write(append(b, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	c.fromPipe.SetReadDeadline(c.deadline)
	for {
		line, err := c.r.ReadBytes(0)
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		var resp struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(line[:len(line)-1], &resp); err != nil {
			return fmt.Errorf("%s: bad message from chromium: %v", method, err)
		}
		switch {
		case resp.ID != id:
			continue // an event, or the answer to an earlier call
		case resp.Error != nil:
			return fmt.Errorf("%s: %s", method, resp.Error.Message)
		case result != nil:
			return json.Unmarshal(resp.Result, result)
		}
		return nil
	}
}

// attachPage attaches to the browser's page so that later calls go to it.
func (c *chrome) attachPage(t *testing.T) {
	t.Helper()
	var targets struct {
		TargetInfos []struct {
			TargetID string `json:"targetId"`
			Type     string `json:"type"`
		} `json:"targetInfos"`
	}
	if err := c.call("Target.getTargets", nil, &targets); err != nil {
		t.Fatal(err)
	}
	var id string
	for _, ti := range targets.TargetInfos {
		if ti.Type == "page" {
			id = ti.TargetID
			break
		}
	}
	if id == "" {
		var created struct {
			TargetID string `json:"targetId"`
		}
		if err := c.call("Target.createTarget", map[string]any{"url": "about:blank"}, &created); err != nil {
			t.Fatal(err)
		}
		id = created.TargetID
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := c.call("Target.attachToTarget", map[string]any{"targetId": id, "flatten": true}, &attached); err != nil {
		t.Fatal(err)
	}
	c.session = attached.SessionID
}

// screenshot captures the page as PNG, keeps it among the test's artifacts
// under name, and decodes it.
func (c *chrome) screenshot(t *testing.T, name string) image.Image {
	t.Helper()
	var shot struct {
		Data string `json:"data"`
	}
	if err := c.call("Page.captureScreenshot", map[string]any{"format": "png"}, &shot); err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(t.ArtifactDir(), name), b, 0o644); err != nil {
		t.Error(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	return img
}

// processesMentioning lists the processes whose command line contains s.
func processesMentioning(s string) []int {
	dirs, _ := os.ReadDir("/proc")
	var pids []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline")); err == nil && bytes.Contains(b, []byte(s)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// withoutLines drops the lines of s that contain sub.
func withoutLines(s, sub string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.Contains(line, sub) {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// eval runs a JavaScript expression in the page and decodes its value.
func (c *chrome) eval(t *testing.T, expr string, out any) {
	t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails any `json:"exceptionDetails"`
	}
	if err := c.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res); err != nil || res.ExceptionDetails != nil {
		t.Fatalf("evaluating in the page: %v %v", err, res.ExceptionDetails)
	}
	if err := json.Unmarshal(res.Result.Value, out); err != nil {
		t.Fatalf("page value %s: %v", res.Result.Value, err)
	}
}

// evalAwait runs a JavaScript expression in the page, waits for the
// promise it returns, and decodes the value.
func (c *chrome) evalAwait(t *testing.T, expr string, out any) {
	t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails any `json:"exceptionDetails"`
	}
	err := c.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &res)
	if err != nil || res.ExceptionDetails != nil {
		t.Fatalf("evaluating in the page: %v %v", err, res.ExceptionDetails)
	}
	if err := json.Unmarshal(res.Result.Value, out); err != nil {
		t.Fatalf("page value %s: %v", res.Result.Value, err)
	}
}

// navigate opens url in the attached page.
func (c *chrome) navigate(t *testing.T, url string) {
	t.Helper()
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := c.call("Page.navigate", map[string]any{"url": url}, &nav); err != nil || nav.ErrorText != "" {
		t.Fatalf("navigating to %s: %v %s", url, err, nav.ErrorText)
	}
}

// setViewport makes the page's viewport width x height CSS pixels (one
// device pixel each, a desktop browser's), as a window of that size would.
func (c *chrome) setViewport(t *testing.T, width, height int) {
	t.Helper()
	if err := c.call("Emulation.setDeviceMetricsOverride", map[string]any{
		"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false,
	}, nil); err != nil {
		t.Fatal(err)
	}
}
