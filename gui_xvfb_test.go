//go:build gui

package main

// The harness of the desktop tests (`make test-gui`): a private X server
// (Xvfb), a private D-Bus session bus, lancam in window mode on both, and
// screenshots of the X screen. Every process started here carries a marker
// variable in its environment; at the end of each test no process may still
// carry it (children included, e.g. Xvfb's xkbcomp).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lancam/internal/testenv"
)

const (
	guiStartTimeout   = 20 * time.Second // Xvfb or dbus-daemon up; lancam's window on screen (software GL)
	guiMarkerVar      = "LANCAM_GUI_TEST_MARKER"
	guiScreenW        = 1280 // the default X screen (startXvfb)
	guiScreenH        = 800
	guiWindowTitle    = "lancam"
	guiProcessTimeout = 3 * time.Minute // longest any started helper process may live
)

// guiEnv is what one test shares between its processes.
type guiEnv struct {
	t       *testing.T
	marker  string // unique value of guiMarkerVar for this test's processes
	display string // ":N", once Xvfb runs
	bus     string // DBUS_SESSION_BUS_ADDRESS for lancam ("" = none at all)
	home    string // HOME and XDG_CONFIG_HOME base for lancam
	extra   []string
}

// newGUIEnv prepares a test's environment and registers the check that no
// process started for it is left over at the end.
func newGUIEnv(t *testing.T) *guiEnv {
	t.Helper()
	g := &guiEnv{t: t, home: t.TempDir()}
	g.marker = fmt.Sprintf("%s-%d-%d", t.Name(), os.Getpid(), time.Now().UnixNano())
	// Registered first, so it runs last (after every process was stopped).
	t.Cleanup(func() { g.checkNoProcessesLeft() })
	return g
}

// env is the environment of a process started for this test: ours without
// any display, bus or runtime dir of the machine, plus the marker.
func (g *guiEnv) env(extra ...string) []string {
	drop := map[string]bool{"DISPLAY": true, "WAYLAND_DISPLAY": true, "XAUTHORITY": true,
		"DBUS_SESSION_BUS_ADDRESS": true, "XDG_RUNTIME_DIR": true, "HOME": true,
		"XDG_CONFIG_HOME": true, "XDG_CACHE_HOME": true, "XDG_DATA_HOME": true, guiMarkerVar: true}
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !drop[k] {
			env = append(env, kv)
		}
	}
	env = append(env, guiMarkerVar+"="+g.marker, "HOME="+g.home,
		"XDG_CONFIG_HOME="+filepath.Join(g.home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(g.home, ".cache"))
	if g.display != "" {
		env = append(env, "DISPLAY="+g.display)
	}
	return append(append(env, g.extra...), extra...)
}

// processesWithEnv lists the processes whose environment holds kv exactly.
func processesWithEnv(kv string) []int {
	dirs, _ := os.ReadDir("/proc")
	var pids []int
	want := append([]byte(kv), 0)
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "environ"))
		if err == nil && (bytes.HasPrefix(b, want) || bytes.Contains(b, append([]byte{0}, want...))) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// checkNoProcessesLeft fails the test (and kills them) if any process with
// this test's marker still runs a moment after all were stopped.
func (g *guiEnv) checkNoProcessesLeft() {
	kv := guiMarkerVar + "=" + g.marker
	deadline := time.Now().Add(3 * time.Second)
	for {
		left := processesWithEnv(kv)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			var what []string
			for _, pid := range left {
				cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
				what = append(what, fmt.Sprintf("%d %s", pid, bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))
				syscall.Kill(pid, syscall.SIGKILL)
			}
			g.t.Errorf("processes left behind: %s", strings.Join(what, "; "))
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// helperProc is a started helper program (Xvfb, dbus-daemon) in its own
// process group, killed with the group at the end of the test.
type helperProc struct {
	cmd  *exec.Cmd
	done chan struct{}
	out  lockedBuffer
}

// startHelper starts argv with fd 3 a pipe, waits for the first line the
// program writes there (a display number, a bus address) and returns it.
// The whole process group is killed at the end of the test.
func (g *guiEnv) startHelper(argv ...string) (*helperProc, string) {
	t := g.t
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), guiProcessTimeout)
	h := &helperProc{done: make(chan struct{})}
	h.cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
	h.cmd.Env = g.env()
	h.cmd.ExtraFiles = []*os.File{w}
	h.cmd.Stdout, h.cmd.Stderr = &h.out, &h.out
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	h.cmd.Cancel = func() error { return syscall.Kill(-h.cmd.Process.Pid, syscall.SIGKILL) }
	h.cmd.WaitDelay = 2 * time.Second
	if err := h.cmd.Start(); err != nil {
		cancel()
		w.Close()
		t.Fatal(err)
	}
	w.Close()
	go func() {
		h.cmd.Wait()
		close(h.done)
	}()
	t.Cleanup(func() {
		// SIGTERM the group, SIGKILL it if it lingers.
		syscall.Kill(-h.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-h.done:
		case <-time.After(2 * time.Second):
			cancel()
			<-h.done
		}
		syscall.Kill(-h.cmd.Process.Pid, syscall.SIGKILL) // any child left in the group
		cancel()
	})

	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case s := <-line:
		if s == "" {
			t.Fatalf("%s wrote nothing on fd 3 before exiting\n%s", filepath.Base(argv[0]), h.out.String())
		}
		return h, s
	case <-time.After(guiStartTimeout):
		t.Fatalf("%s: nothing on fd 3 after %v\n%s", filepath.Base(argv[0]), guiStartTimeout, h.out.String())
	}
	return nil, ""
}

// startXvfb starts a private X server with the default 1280x800 screen on
// a free display and sets g.display.
func (g *guiEnv) startXvfb() {
	g.t.Helper()
	g.startXvfbSize(guiScreenW, guiScreenH)
}

// startXvfbSize starts a private X server whose screen is w x h pixels (24
// bits) on a free display (Xvfb picks it and tells us on fd 3) and sets
// g.display.
func (g *guiEnv) startXvfbSize(w, h int) {
	g.t.Helper()
	xvfb := testenv.Tool(g.t, "Xvfb")
	start := time.Now()
	screen := fmt.Sprintf("%dx%dx24", w, h)
	_, num := g.startHelper(xvfb, "-displayfd", "3", "-screen", "0", screen, "-nolisten", "tcp", "-br", "-noreset")
	if _, err := strconv.Atoi(num); err != nil {
		g.t.Fatalf("Xvfb wrote display %q", num)
	}
	g.display = ":" + num
	g.t.Logf("Xvfb %s on %s after %v", screen, g.display, time.Since(start).Round(time.Millisecond))
}

// startBus starts a private session bus and sets g.bus to its address.
func (g *guiEnv) startBus() {
	g.t.Helper()
	daemon := testenv.Tool(g.t, "dbus-daemon")
	sock := filepath.Join(g.t.TempDir(), "bus")
	_, addr := g.startHelper(daemon, "--session", "--nofork", "--nopidfile",
		"--address=unix:path="+sock, "--print-address=3")
	g.bus = addr
	g.extra = append(g.extra, "DBUS_SESSION_BUS_ADDRESS="+addr)
}

// noBus makes lancam see a session bus address that does not exist, and an
// empty runtime dir (so nothing can be found or autolaunched).
func (g *guiEnv) noBus() {
	dir := g.t.TempDir()
	g.extra = append(g.extra, "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(dir, "no-such-bus"),
		"XDG_RUNTIME_DIR="+dir)
}

// startGUI starts lancam in window mode (no -headless) on a free port with
// -no-mdns; it is killed at the end of the test if still running. The HTTP
// server is off until streaming is started, so there is nothing to wait for
// here: use waitWindow or the tray.
func (g *guiEnv) startGUI(args ...string) *lancam {
	g.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	l := &lancam{addr: freeAddr(g.t), done: make(chan struct{})}
	l.cmd = exec.CommandContext(ctx, lancamBin, append([]string{"-no-mdns", "-listen", l.addr}, args...)...)
	l.cmd.Env = g.env("LIBGL_ALWAYS_SOFTWARE=1")
	l.cmd.Stdout, l.cmd.Stderr = &l.stdout, &l.stderr
	l.cmd.WaitDelay = time.Second
	if err := l.cmd.Start(); err != nil {
		cancel()
		g.t.Fatal(err)
	}
	go func() {
		l.cmd.Wait()
		close(l.done)
	}()
	g.t.Cleanup(func() {
		cancel()
		<-l.done
		if g.t.Failed() { // every failure message refers to this
			g.t.Logf("lancam %s stderr:\n%s", strings.Join(l.cmd.Args[1:], " "), l.stderr.String())
		}
	})
	return l
}

// stopGUI sends sig and checks that lancam exits 0 within stopTimeout and
// did not panic. allowed lists substrings of level=ERROR lines that are
// expected (e.g. tray errors without a bus); any other error line fails.
func stopGUI(t *testing.T, l *lancam, sig syscall.Signal, allowed ...string) {
	t.Helper()
	if l.exited() {
		t.Fatalf("lancam exited on its own with code %d (lancam stderr below)", l.cmd.ProcessState.ExitCode())
	}
	start := time.Now()
	if err := l.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
	checkGUIExit(t, l, fmt.Sprint(sig), start, allowed...)
}

// checkGUIExit waits for lancam to exit after what (a signal, a click) and
// checks the exit code 0 and stderr.
func checkGUIExit(t *testing.T, l *lancam, what string, start time.Time, allowed ...string) {
	t.Helper()
	code, ok := l.waitExit(stopTimeout)
	switch {
	case !ok:
		l.cmd.Process.Kill()
		t.Errorf("lancam did not exit within %v of %s (lancam stderr below)", stopTimeout, what)
	case code != 0:
		t.Errorf("lancam exited with code %d after %s, want 0 (lancam stderr below)", code, what)
	default:
		t.Logf("lancam exited 0 %v after %s", time.Since(start).Round(time.Millisecond), what)
	}
	checkGUIStderr(t, l, allowed...)
}

// checkGUIStderr fails on a panic, a data race or an unexpected error line.
func checkGUIStderr(t *testing.T, l *lancam, allowed ...string) {
	t.Helper()
	stderr := l.stderr.String()
	if strings.Contains(stderr, "panic") || strings.Contains(stderr, "fatal error:") || strings.Contains(stderr, "DATA RACE") {
		t.Errorf("lancam panicked or crashed (lancam stderr below)")
		return
	}
line:
	for _, line := range strings.Split(stderr, "\n") {
		if !strings.Contains(line, "level=ERROR") {
			continue
		}
		for _, a := range allowed {
			if strings.Contains(line, a) {
				t.Logf("lancam logged (expected): %s", line)
				continue line
			}
		}
		t.Errorf("lancam logged: %s", line)
	}
}

// screenshot grabs the whole X screen with ImageMagick's import.
func (g *guiEnv) screenshot() image.Image {
	g.t.Helper()
	imp := testenv.Tool(g.t, "import")
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, imp, "-display", g.display, "-window", "root", "png:-")
	cmd.Env = g.env()
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		g.t.Fatalf("import -display %s: %v\n%s", g.display, err, stderr.String())
	}
	img, err := png.Decode(&out)
	if err != nil {
		g.t.Fatalf("import gave no PNG: %v", err)
	}
	return img
}

// saveOnFailure writes img to $LANCAM_GUI_SHOTS/<test>-<name>.png (or the
// test's temp dir, logged) when the test has failed by its end.
func (g *guiEnv) saveOnFailure(name string, img image.Image) {
	g.t.Cleanup(func() {
		if !g.t.Failed() {
			return
		}
		dir := os.Getenv("LANCAM_GUI_SHOTS")
		if dir == "" {
			dir = os.TempDir()
		}
		p := filepath.Join(dir, strings.ReplaceAll(g.t.Name(), "/", "_")+"-"+name+".png")
		f, err := os.Create(p)
		if err != nil {
			return
		}
		png.Encode(f, img)
		f.Close()
		g.t.Logf("screenshot kept: %s", p)
	})
}

// xWindow is a top-level window on the X screen.
type xWindow struct {
	id   uint32
	rect image.Rectangle // on the root window
}

// findWindow looks for the viewable top-level window named title; ok is
// false while there is none.
func (g *guiEnv) findWindow(title string) (xWindow, bool) {
	g.t.Helper()
	x, err := xDial(g.display)
	if err != nil {
		g.t.Fatalf("X display %s: %v", g.display, err)
	}
	defer x.close()
	w, ok, err := x.findWindow(title)
	if err != nil {
		g.t.Fatalf("X display %s: %v", g.display, err)
	}
	return w, ok
}

// x runs do on a fresh connection to the test's display; an error fails
// the test.
func (g *guiEnv) x(what string, do func(x *xConn) error) {
	g.t.Helper()
	x, err := xDial(g.display)
	if err != nil {
		g.t.Fatalf("X display %s: %v", g.display, err)
	}
	defer x.close()
	if err := do(x); err != nil {
		g.t.Fatalf("X display %s: %s: %v", g.display, what, err)
	}
}

// waitWindow polls until lancam's window is mapped and painted: its area
// on screen is not one flat colour. It returns the window and the shot.
func (g *guiEnv) waitWindow(l *lancam) (xWindow, image.Image) {
	g.t.Helper()
	start := time.Now()
	deadline := start.Add(guiStartTimeout)
	for {
		if l.exited() {
			g.t.Fatalf("lancam exited with code %d before its window appeared (lancam stderr below)", l.cmd.ProcessState.ExitCode())
		}
		if w, ok := g.findWindow(guiWindowTitle); ok && !w.rect.Empty() {
			shot := g.screenshot()
			if colors, _ := imageVariety(shot, w.rect.Intersect(shot.Bounds())); colors > 16 {
				g.t.Logf("window %#x at %v painted after %v (%d colours)", w.id, w.rect, time.Since(start).Round(time.Millisecond), colors)
				return w, shot
			}
		}
		if time.Now().After(deadline) {
			shot := g.screenshot()
			g.saveOnFailure("no-window", shot)
			g.t.Fatalf("no painted %q window after %v (lancam stderr below)", guiWindowTitle, guiStartTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// previewLine is one of lancam's `msg=preview` log lines.
type previewLine struct {
	fps, decodeMS float64
	shown         bool
}

var rePreview = regexp.MustCompile(`msg=preview fps=([0-9.]+) decode_ms=([0-9.]+) shown=(true|false)`)

// previewLines parses the preview lines lancam logged so far.
func previewLines(stderr string) []previewLine {
	var out []previewLine
	for _, m := range rePreview.FindAllStringSubmatch(stderr, -1) {
		fps, _ := strconv.ParseFloat(m[1], 64)
		ms, _ := strconv.ParseFloat(m[2], 64)
		out = append(out, previewLine{fps: fps, decodeMS: ms, shown: m[3] == "true"})
	}
	return out
}

// waitPreview polls lancam's log until a preview line after the first skip
// ones satisfies cond, and returns it.
func waitPreview(t *testing.T, l *lancam, skip int, timeout time.Duration, what string, cond func(previewLine) bool) previewLine {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		lines := previewLines(l.stderr.String())
		for i := skip; i < len(lines); i++ {
			if cond(lines[i]) {
				return lines[i]
			}
		}
		if l.exited() || time.Now().After(deadline) {
			t.Fatalf("no preview log line with %s within %v (got %d lines) (lancam stderr below)", what, timeout, len(lines))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// xConn is a minimal X11 client speaking the raw protocol over the
// display's unix socket: enough to find a window by name and measure it,
// to close, resize and focus it as a window manager would, and to type
// keys with the XTEST extension, without xdotool, xwininfo or a window
// manager. One request at a time, so replies and errors come in order; no
// events are selected, and those sent to every client (MappingNotify) are
// skipped.
type xConn struct {
	c              net.Conn
	root           uint32
	screen         image.Rectangle // the first screen, from (0,0)
	minKey, maxKey byte            // the server's keycode range
	xtest          byte            // XTEST's major opcode, once looked up
}

var xle = binary.LittleEndian

// xDial connects to a local display (":N") without authorisation, as Xvfb
// without -auth allows.
func xDial(display string) (*xConn, error) {
	num, _, _ := strings.Cut(strings.TrimPrefix(display, ":"), ".")
	c, err := net.DialTimeout("unix", "/tmp/.X11-unix/X"+num, 2*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	x := &xConn{c: c}
	if _, err := c.Write([]byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		c.Close()
		return nil, err
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(c, head); err != nil {
		c.Close()
		return nil, err
	}
	rest := make([]byte, int(xle.Uint16(head[6:]))*4)
	if _, err := io.ReadFull(c, rest); err != nil {
		c.Close()
		return nil, err
	}
	if head[0] != 1 {
		c.Close()
		return nil, fmt.Errorf("X connection refused: %q", rest[:min(int(head[1]), len(rest))])
	}
	// The first screen's root window follows the vendor string and the
	// pixmap formats.
	vendor, formats := int(xle.Uint16(rest[16:])), int(rest[21])
	off := 32 + (vendor+3)/4*4 + 8*formats
	if off+24 > len(rest) {
		c.Close()
		return nil, fmt.Errorf("X setup reply too short")
	}
	x.root = xle.Uint32(rest[off:])
	x.screen = image.Rect(0, 0, int(xle.Uint16(rest[off+20:])), int(xle.Uint16(rest[off+22:])))
	x.minKey, x.maxKey = rest[26], rest[27]
	return x, nil
}

func (x *xConn) close() { x.c.Close() }

// request sends one request (opcode, data byte, body of 4-byte words) and,
// if wantReply, returns the whole reply.
func (x *xConn) request(opcode, data byte, body []byte, wantReply bool) ([]byte, error) {
	req := make([]byte, 4, 4+len(body))
	req[0], req[1] = opcode, data
	xle.PutUint16(req[2:], uint16(1+len(body)/4))
	if _, err := x.c.Write(append(req, body...)); err != nil {
		return nil, err
	}
	if !wantReply {
		return nil, nil
	}
	b := make([]byte, 32)
	for {
		if _, err := io.ReadFull(x.c, b); err != nil {
			return nil, err
		}
		if b[0] <= 1 { // an error or the reply
			break
		}
		// An event nobody asked for: MappingNotify goes to every
		// client, e.g. when an XTEST key switches the core keyboard's
		// source device. A GenericEvent (35) carries more words.
		if b[0]&0x7f == 35 {
			if _, err := io.CopyN(io.Discard, x.c, int64(xle.Uint32(b[4:]))*4); err != nil {
				return nil, err
			}
		}
	}
	if b[0] == 0 {
		return nil, xError{code: b[1], opcode: b[10]}
	}
	extra := make([]byte, int(xle.Uint32(b[4:]))*4)
	if _, err := io.ReadFull(x.c, extra); err != nil {
		return nil, err
	}
	return append(b, extra...), nil
}

type xError struct{ code, opcode byte }

func (e xError) Error() string { return fmt.Sprintf("X error %d on request %d", e.code, e.opcode) }

func u32s(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, n := range v {
		xle.PutUint32(b[4*i:], n)
	}
	return b
}

// atom interns name.
func (x *xConn) atom(name string) (uint32, error) {
	body := make([]byte, 4, 4+len(name)+3)
	xle.PutUint16(body, uint16(len(name)))
	body = append(body, name...)
	body = append(body, make([]byte, (4-len(name)%4)%4)...)
	r, err := x.request(16, 0, body, true) // InternAtom
	if err != nil {
		return 0, err
	}
	return xle.Uint32(r[8:]), nil
}

// findWindow returns the viewable child of the root window whose WM_NAME
// is title, with its rectangle on the root window.
func (x *xConn) findWindow(title string) (xWindow, bool, error) {
	r, err := x.request(15, 0, u32s(x.root), true) // QueryTree
	if err != nil {
		return xWindow{}, false, err
	}
	n := int(xle.Uint16(r[16:]))
	for i := 0; i < n; i++ {
		id := xle.Uint32(r[32+4*i:])
		// GetProperty(WM_NAME=39, any type, 256 words). A window may
		// vanish meanwhile: X errors just skip it.
		p, err := x.request(20, 0, u32s(id, 39, 0, 0, 256), true)
		if _, isX := err.(xError); isX {
			continue
		} else if err != nil {
			return xWindow{}, false, err
		}
		if p[1] != 8 || string(p[32:32+int(xle.Uint32(p[16:]))]) != title {
			continue
		}
		a, err := x.request(3, 0, u32s(id), true) // GetWindowAttributes
		if _, isX := err.(xError); isX {
			continue
		} else if err != nil {
			return xWindow{}, false, err
		}
		if a[26] != 2 { // map state IsViewable
			continue
		}
		r, err := x.geometry(id)
		if _, isX := err.(xError); isX {
			continue
		} else if err != nil {
			return xWindow{}, false, err
		}
		return xWindow{id: id, rect: r}, true, nil
	}
	return xWindow{}, false, nil
}

// geometry is window id's rectangle (inside its border) on the root
// window, as xwininfo reports it.
func (x *xConn) geometry(id uint32) (image.Rectangle, error) {
	geo, err := x.request(14, 0, u32s(id), true) // GetGeometry
	if err != nil {
		return image.Rectangle{}, err
	}
	tr, err := x.request(40, 0, u32s(id, x.root, 0), true) // TranslateCoordinates (0,0) to root
	if err != nil {
		return image.Rectangle{}, err
	}
	px, py := int(int16(xle.Uint16(tr[12:]))), int(int16(xle.Uint16(tr[14:])))
	w, h := int(xle.Uint16(geo[16:])), int(xle.Uint16(geo[18:]))
	return image.Rect(px, py, px+w, py+h), nil
}

// overrideRedirect reports whether window id has override-redirect set
// (window managers leave such windows alone).
func (x *xConn) overrideRedirect(id uint32) (bool, error) {
	a, err := x.request(3, 0, u32s(id), true) // GetWindowAttributes
	if err != nil {
		return false, err
	}
	return a[27] != 0, nil
}

// sync waits until the server has handled every request sent so far: the
// reply to GetInputFocus comes after any error those caused.
func (x *xConn) sync() error {
	_, err := x.request(43, 0, nil, true) // GetInputFocus
	return err
}

// resizeWindow asks for window id to be w x h pixels (ConfigureWindow), as
// a window manager does when the user drags an edge; with no window
// manager running the server does it at once, and the client sees a
// ConfigureNotify.
func (x *xConn) resizeWindow(id uint32, w, h int) error {
	// ConfigureWindow: window, value-mask width|height, 2 unused, values.
	body := append(u32s(id), 4|8, 0, 0, 0)
	body = append(body, u32s(uint32(w), uint32(h))...)
	if _, err := x.request(12, 0, body, false); err != nil {
		return err
	}
	return x.sync()
}

// warpPointer moves the mouse pointer to (px, py) on the root window, e.g.
// off a button, so no hover colour changes what a screenshot shows.
func (x *xConn) warpPointer(px, py int) error {
	// WarpPointer: src-window None, dst-window root, src x, y, width,
	// height 0, dst x, y.
	body := append(u32s(0, x.root), make([]byte, 12)...)
	xle.PutUint16(body[16:], uint16(int16(px)))
	xle.PutUint16(body[18:], uint16(int16(py)))
	if _, err := x.request(41, 0, body, false); err != nil {
		return err
	}
	return x.sync()
}

// pointer is where the mouse pointer is on the root window.
func (x *xConn) pointer() (image.Point, error) {
	r, err := x.request(38, 0, u32s(x.root), true) // QueryPointer
	if err != nil {
		return image.Point{}, err
	}
	return image.Pt(int(int16(xle.Uint16(r[16:]))), int(int16(xle.Uint16(r[18:])))), nil
}

// focusWindow gives window id the keyboard focus (SetInputFocus, reverting
// to its parent), as a window manager does on a click.
func (x *xConn) focusWindow(id uint32) error {
	if _, err := x.request(42, 2, u32s(id, 0), false); err != nil { // revert-to Parent, CurrentTime
		return err
	}
	return x.sync()
}

// keycode finds the keycode whose keysyms include keysym (keyboard
// mapping of the server's whole keycode range).
func (x *xConn) keycode(keysym uint32) (byte, error) {
	count := int(x.maxKey) - int(x.minKey) + 1
	r, err := x.request(101, 0, []byte{x.minKey, byte(count), 0, 0}, true) // GetKeyboardMapping
	if err != nil {
		return 0, err
	}
	per := int(r[1])
	syms := r[32:]
	for i := 0; i+4 <= len(syms) && per > 0; i += 4 {
		if xle.Uint32(syms[i:]) == keysym {
			return x.minKey + byte(i/4/per), nil
		}
	}
	return 0, fmt.Errorf("no keycode has keysym %#x", keysym)
}

// Keysyms the tests type.
const (
	keysymF11    = 0xffc8
	keysymEscape = 0xff1b
)

// pressKey types the key with keysym (pressed and released) through the
// XTEST extension, as the real keyboard would: the event goes to the
// window with the keyboard focus.
func (x *xConn) pressKey(keysym uint32) error {
	if x.xtest == 0 {
		const name = "XTEST"
		body := make([]byte, 4, 4+8)
		xle.PutUint16(body, uint16(len(name)))
		body = append(body, name...)
		body = append(body, make([]byte, (4-len(name)%4)%4)...)
		r, err := x.request(98, 0, body, true) // QueryExtension
		if err != nil {
			return err
		}
		if r[8] == 0 {
			return fmt.Errorf("the X server has no XTEST extension")
		}
		x.xtest = r[9]
	}
	code, err := x.keycode(keysym)
	if err != nil {
		return err
	}
	for _, typ := range []byte{2, 3} { // KeyPress, KeyRelease
		// XTestFakeInput (minor 2): type, detail, 2 unused, time 0 (now),
		// root, 8 unused, rootX, rootY, 7 unused, deviceid.
		ev := make([]byte, 32)
		ev[0], ev[1] = typ, code
		xle.PutUint32(ev[8:], x.root)
		if _, err := x.request(x.xtest, 2, ev, false); err != nil {
			return err
		}
	}
	return x.sync()
}

// closeWindow sends window id a WM_DELETE_WINDOW ClientMessage (ICCCM), as
// a window manager does on its close button.
func (x *xConn) closeWindow(id uint32) error {
	protocols, err := x.atom("WM_PROTOCOLS")
	if err != nil {
		return err
	}
	deleteWindow, err := x.atom("WM_DELETE_WINDOW")
	if err != nil {
		return err
	}
	// SendEvent, no propagation, empty event mask (the event goes to the
	// client that made the window): a 32-bit ClientMessage whose data[0]
	// is WM_DELETE_WINDOW and data[1] CurrentTime.
	ev := make([]byte, 32)
	ev[0], ev[1] = 33, 32
	xle.PutUint32(ev[4:], id)
	xle.PutUint32(ev[8:], protocols)
	xle.PutUint32(ev[12:], deleteWindow)
	if _, err := x.request(25, 0, append(u32s(id, 0), ev...), false); err != nil {
		return err
	}
	// The reply to sync (not an error) proves the event was taken.
	return x.sync()
}

// xCloseWindow closes window id on display (see closeWindow).
func xCloseWindow(display string, id uint32) error {
	x, err := xDial(display)
	if err != nil {
		return err
	}
	defer x.close()
	return x.closeWindow(id)
}
