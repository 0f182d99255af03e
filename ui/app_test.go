package ui

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lancam/camera"
	"lancam/discovery"
	"lancam/httpstream"
)

var discard = slog.New(slog.DiscardHandler)

// recordingLAN stands in for discovery: it records what the app announces.
type recordingLAN struct {
	mu        sync.Mutex
	announced []string // addresses, "" for a withdrawal
	name      string
	auth      bool
	peers     []discovery.Peer
	events    chan discovery.Event // nil: discovery off
	noLAN     bool                 // LANStatus says only loopback is up
}

func (l *recordingLAN) Announce(_ context.Context, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.announced = append(l.announced, addr)
}

func (l *recordingLAN) Withdraw() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.announced = append(l.announced, "")
}

func (l *recordingLAN) SetName(n string) { l.mu.Lock(); l.name = n; l.mu.Unlock() }

func (l *recordingLAN) SetAuth(on bool) { l.mu.Lock(); l.auth = on; l.mu.Unlock() }

func (l *recordingLAN) Peers() []discovery.Peer {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]discovery.Peer(nil), l.peers...)
}

func (l *recordingLAN) Events() <-chan discovery.Event {
	if l.events == nil {
		return nil
	}
	return l.events
}

func (l *recordingLAN) LANStatus() discovery.LANStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.noLAN {
		return discovery.LANStatus{}
	}
	return discovery.LANStatus{Up: true, Interfaces: []string{"eth0"}}
}

func (l *recordingLAN) log() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.announced...)
}

// testRig is an App on Fyne's test driver with real parts: a hub with the
// test pattern and a real HTTP server on loopback.
type testRig struct {
	a     *App
	hub   *camera.Hub
	feeds []Feed // with newTestRigFeeds: every camera, hub's first
	srv   *httpstream.Server
	lan   *recordingLAN
	loop  *testLoop
}

func newTestRig(t *testing.T, flags Settings) *testRig {
	t.Helper()
	return newTestRigFeeds(t, flags, "main")
}

// newTestRigFeeds is newTestRig serving one test pattern per name, each
// size 320x240 plus 16 px per camera, so a frame tells which camera it is.
func newTestRigFeeds(t *testing.T, flags Settings, names ...string) *testRig {
	t.Helper()
	return newTestRigLAN(t, flags, &recordingLAN{}, discard, names...)
}

// newTestRigLAN is newTestRigFeeds with the LAN given (one with events
// lists peers in the LAN tab).
func newTestRigLAN(t *testing.T, flags Settings, lan *recordingLAN, log *slog.Logger, names ...string) *testRig {
	t.Helper()
	fa := test.NewTempApp(t)
	r := &testRig{lan: lan}
	var feeds []httpstream.Feed
	for i, name := range names {
		src, err := camera.Open("test", camera.OpenConfig{Width: 320 + 16*i, Height: 240, FPS: 30, Quality: 70, Logger: discard})
		if err != nil {
			t.Fatal(err)
		}
		hub := camera.NewHub(camera.HubConfig{Source: src, Logger: discard})
		feeds = append(feeds, httpstream.Feed{Name: name, Hub: hub})
		r.feeds = append(r.feeds, Feed{Name: name, Hub: hub, Page: httpstream.PathsOf(name, i == 0).Page,
			Title: func() string { return "Bench " + name }})
	}
	r.hub = feeds[0].Hub
	r.srv = httpstream.New(httpstream.Config{Addr: "127.0.0.1:0", Feeds: feeds, Logger: discard})
	for i := range r.feeds {
		name := r.feeds[i].Name
		r.feeds[i].On = func() bool { return r.srv.FeedOn(name) }
		r.feeds[i].SetOn = func(on bool) { r.srv.SetFeedOn(name, on) }
	}
	if flags.Listen == "" {
		flags = Settings{Source: "test", Width: 320, Height: 240, FPS: 30, Quality: 70, Listen: "127.0.0.1:0", Name: "Bench"}
	}
	r.a = New(Config{App: fa, Flags: flags, Logger: log})
	r.loop = newTestLoop(t)
	r.a.onUI = r.loop.do
	onMain = r.loop.wait
	r.loop.wait(func() {
		r.a.start(context.Background(), Parts{Hub: r.hub, Server: r.srv, LAN: r.lan, Feeds: r.feeds,
			OpenSource: func(_ context.Context, s Settings) (camera.Source, error) {
				return camera.Open(s.Source, camera.OpenConfig{Width: s.Width, Height: s.Height, FPS: s.FPS, Quality: s.Quality, Logger: discard})
			}})
	})
	t.Cleanup(func() {
		r.a.stop()
		for _, f := range r.feeds {
			f.Hub.Close()
		}
	})
	return r
}

// onMain runs fn on the current rig's UI loop and waits; tests that use
// it do not run in parallel.
var onMain func(func())

// eventually polls cond (on the UI goroutine) for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var ok bool
		onMain(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tap taps a widget on the UI goroutine.
func tap(w fyne.Tappable) { onMain(func() { test.Tap(w) }) }

// TestToggleStartsAndStopsTheServer: the button starts the real server and
// the announcement; URLs, QR code and the live viewer count follow; the
// second tap stops both and frees the port.
func TestToggleStartsAndStopsTheServer(t *testing.T) {
	r := newTestRig(t, Settings{})
	m := r.a.main
	onMain(func() {
		if m.qr.Visible() || len(m.urlBox.Objects) != 0 || !m.copyBtn.Disabled() || m.copyBtn.Visible() {
			t.Error("URLs or QR shown before streaming")
		}
	})
	tap(m.toggle)
	addr := r.srv.Addr()
	var text string
	onMain(func() { text = m.toggle.Text })
	if addr == "" || !r.a.stream.Streaming() || text != "Stop streaming" {
		t.Fatalf("after the tap: addr %q, streaming %v, button %q", addr, r.a.stream.Streaming(), text)
	}
	if got := r.lan.log(); len(got) != 1 || got[0] != addr {
		t.Errorf("announcements %q, want [%s]", got, addr)
	}
	eventually(t, "URL and QR code", func() bool { return len(m.urlBox.Objects) == 1 && m.qr.Visible() })
	onMain(func() {
		link := m.urlBox.Objects[0].(*widget.Hyperlink)
		if want := "http://" + addr + "/"; link.Text != want || m.copyBtn.Disabled() || !m.copyBtn.Visible() {
			t.Errorf("URL %q (copy disabled %v), want %q", link.Text, m.copyBtn.Disabled(), want)
		}
	})
	tap(m.copyBtn)
	if got := r.a.fyne.Clipboard().Content(); got != "http://"+addr+"/stream.mjpg" {
		t.Errorf("clipboard %q", got)
	}

	// A viewer arrives: the count follows within the poll interval.
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/stream.mjpg", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, resp.Body)
	eventually(t, "1 viewer", func() bool { return m.viewers.Text == "Streaming — 1 viewer" })
	cancel()
	resp.Body.Close()
	eventually(t, "no viewers", func() bool { return m.viewers.Text == "Streaming — no viewers yet" })

	tap(m.toggle)
	eventually(t, "the button back to Start and the QR code gone", func() bool {
		return !r.a.stream.Streaming() && m.toggle.Text == "Start streaming" && !m.qr.Visible()
	})
	if _, err := http.Get("http://" + addr + "/status"); err == nil {
		t.Error("the server still answers after Stop streaming")
	}
	if got := r.lan.log(); len(got) != 2 || got[1] != "" {
		t.Errorf("announcements %q, want the announce then a withdrawal", got)
	}
}

// TestToggleBusyPortSaysWhatToDo: a taken port is an error in words in the
// window, not a crash, and streaming stays off.
func TestToggleBusyPortSaysWhatToDo(t *testing.T) {
	busy, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	var logged lockedBuffer
	r := newTestRigLAN(t, Settings{Source: "test", Width: 320, Height: 240, FPS: 30, Quality: 70, Listen: busy.Addr().String(), Name: "x"},
		&recordingLAN{}, slog.New(slog.NewTextHandler(&logged, nil)), "main")
	tap(r.a.main.toggle)
	eventually(t, "the error line shown", r.a.main.errCard.Visible)
	var msg string
	onMain(func() { msg = r.a.main.errLabel.Text })
	if r.a.stream.Streaming() || !strings.Contains(msg, "already in use") || !strings.Contains(msg, "Settings") {
		t.Errorf("streaming %v, error line %q: want off and advice", r.a.stream.Streaming(), msg)
	}
	if !strings.Contains(logged.String(), `msg="streaming failed" listen=`+busy.Addr().String()) {
		t.Errorf("the failure is not in the log:\n%s", logged.String())
	}
	// Another port in Settings: the old port's error goes at once.
	onMain(func() { r.a.applySettings(r.a.current().WithPort(freePort(t))) })
	eventually(t, "the error line gone", func() bool { return !r.a.main.errCard.Visible() })
}

// lockedBuffer is a log destination for several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freePort is a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
