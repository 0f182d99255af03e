package ui

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lancam/discovery"
)

// fakeLAN is a LAN whose peers the test changes, with events like the
// browser's.
type fakeLAN struct {
	mu     sync.Mutex
	peers  map[string]discovery.Peer
	events chan discovery.Event // nil: discovery off
	noLAN  bool                 // only loopback is up
}

func newFakeLAN(withEvents bool) *fakeLAN {
	l := &fakeLAN{peers: map[string]discovery.Peer{}}
	if withEvents {
		l.events = make(chan discovery.Event, 16)
	}
	return l
}

func (l *fakeLAN) Announce(context.Context, string) {}
func (l *fakeLAN) Withdraw()                        {}
func (l *fakeLAN) SetName(string)                   {}
func (l *fakeLAN) SetAuth(bool)                     {}
func (l *fakeLAN) Peers() []discovery.Peer {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []discovery.Peer
	for _, p := range l.peers {
		out = append(out, p)
	}
	return out
}

func (l *fakeLAN) Events() <-chan discovery.Event {
	if l.events == nil {
		return nil
	}
	return l.events
}

func (l *fakeLAN) LANStatus() discovery.LANStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.noLAN {
		return discovery.LANStatus{}
	}
	return discovery.LANStatus{Up: true, Interfaces: []string{"eth0"}}
}

// setLAN says whether a LAN interface is up, and tells the view as the
// browser does.
func (l *fakeLAN) setLAN(up bool) {
	l.mu.Lock()
	l.noLAN = !up
	l.mu.Unlock()
	l.events <- discovery.Event{Kind: discovery.LANChanged}
}

func (l *fakeLAN) add(p discovery.Peer) {
	l.mu.Lock()
	l.peers[p.ID] = p
	l.mu.Unlock()
	l.events <- discovery.Event{Kind: discovery.Added, Peer: p}
}

func (l *fakeLAN) remove(id string) {
	l.mu.Lock()
	p := l.peers[id]
	delete(l.peers, id)
	l.mu.Unlock()
	l.events <- discovery.Event{Kind: discovery.Removed, Peer: p}
}

// testLoop is the tests' UI goroutine: the test driver runs fyne.Do on the
// caller's goroutine, so background updates and the test's reads would
// race; here they all run on one goroutine, as in the real app.
type testLoop struct{ q chan func() }

func newTestLoop(t *testing.T) *testLoop {
	l := &testLoop{q: make(chan func(), 4096)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for fn := range l.q {
			fn()
		}
	}()
	t.Cleanup(func() { close(l.q); <-done })
	return l
}

func (l *testLoop) do(fn func()) { l.q <- fn }

func (l *testLoop) wait(fn func()) {
	done := make(chan struct{})
	l.q <- func() { defer close(done); fn() }
	<-done
}

// waitUntil polls cond on the UI loop for up to 10 s.
func (l *testLoop) waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ok bool
		l.wait(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startLANView runs a lanView on the test driver until the test ends.
func startLANView(t *testing.T, lan LAN, hc *http.Client) (*lanView, *testLoop) {
	t.Helper()
	app := test.NewTempApp(t)
	loop := newTestLoop(t)
	var v *lanView
	loop.wait(func() {
		v = newLANView(lanViewConfig{App: app, LAN: lan, HTTP: hc, Logger: discard, Do: loop.do})
		test.NewWindow(v.Object()).Resize(fyne.NewSize(800, 600))
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); v.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return v, loop
}

func testPeer(id, name, host string, port int, txt map[string]string) discovery.Peer {
	return discovery.Peer{ID: id, Name: name, Host: host, Addrs: []net.IP{net.IPv4(127, 0, 0, 1)}, Port: port, TXT: txt}
}

// TestLANViewFollowsEvents: rows come and go with Added/Removed events,
// are sorted by name, hostile names are cleaned, listeners are told, and
// an empty list says why it is empty.
func TestLANViewFollowsEvents(t *testing.T) {
	lan := newFakeLAN(true)
	v, loop := startLANView(t, lan, nil)
	var changes atomic.Int32
	v.OnPeersChanged(func() { changes.Add(1) })
	loop.wait(func() {
		if v.empty.Text != emptyNoPeers || !v.empty.Visible() || v.list.obj.Visible() {
			t.Errorf("empty state: %q visible=%v list=%v", v.empty.Text, v.empty.Visible(), v.list.obj.Visible())
		}
	})

	hostile := "Kit\x1b[31mchen\u202e\n\tevil " + strings.Repeat("x", 300)
	lan.add(testPeer("b", hostile, "cam-b.local", 8080, map[string]string{"size": "1280x720", "fps": "30"}))
	lan.add(testPeer("a", "Attic", "", 8081, nil))
	loop.waitUntil(t, "two rows", func() bool { return v.list.length() == 2 })
	rows := v.list.shown()
	if rows[0].Name != "Attic" || rows[0].Host != "127.0.0.1" {
		t.Errorf("row 0 = %+v", rows[0])
	}
	name := rows[1].Name
	if !strings.HasPrefix(name, "Kit[31mchen evil xxx") || utf8.RuneCountInString(name) > maxNameRunes+1 || !strings.HasSuffix(name, "…") {
		t.Errorf("hostile name shown as %q", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Errorf("name keeps %U", r)
		}
	}
	if rows[1].Host != "cam-b.local" || rows[1].Details != "1280x720 · 30 fps" {
		t.Errorf("row 1 = %+v", rows[1])
	}
	loop.wait(func() {
		if v.empty.Visible() || !v.list.obj.Visible() || v.count.Text != "2 cameras" {
			t.Errorf("with peers: empty=%v list=%v count=%q", v.empty.Visible(), v.list.obj.Visible(), v.count.Text)
		}
	})
	if got := len(v.Peers()); got != 2 {
		t.Errorf("Peers() has %d", got)
	}

	lan.remove("b")
	loop.waitUntil(t, "one row", func() bool { return v.list.length() == 1 })
	if rows := v.list.shown(); rows[0].ID != "a" {
		t.Errorf("left: %+v", rows)
	}
	lan.remove("a")
	loop.waitUntil(t, "empty again", func() bool { return v.list.length() == 0 && v.empty.Visible() })
	if changes.Load() < 3 {
		t.Errorf("OnPeersChanged called %d times", changes.Load())
	}
}

// TestLANViewDiscoveryOff: without events (-no-mdns) or without a LAN the
// empty list says discovery is off, not that nobody is there.
func TestLANViewDiscoveryOff(t *testing.T) {
	for _, lan := range []LAN{newFakeLAN(false), nil} {
		v, loop := startLANView(t, lan, nil)
		loop.wait(func() {
			if v.empty.Text != emptyNoMDNS {
				t.Errorf("empty text %q", v.empty.Text)
			}
		})
	}
}

// TestLANViewNoLANInterface: with only loopback up the empty list says
// so plainly instead of "nobody found yet", and follows the interface
// coming up and going again.
func TestLANViewNoLANInterface(t *testing.T) {
	lan := newFakeLAN(true)
	lan.noLAN = true
	v, loop := startLANView(t, lan, nil)
	loop.wait(func() {
		if v.empty.Text != emptyNoLAN || !v.empty.Visible() {
			t.Errorf("only loopback: empty text %q, visible %v", v.empty.Text, v.empty.Visible())
		}
	})
	if !strings.Contains(emptyNoLAN, "not connected to a network") || !strings.Contains(emptyNoLAN, "cannot find this one") {
		t.Errorf("emptyNoLAN does not say it plainly: %q", emptyNoLAN)
	}
	lan.setLAN(true)
	loop.waitUntil(t, "the usual empty text once eth0 is up", func() bool { return v.empty.Text == emptyNoPeers })
	lan.setLAN(false)
	loop.waitUntil(t, "the no-network text again", func() bool { return v.empty.Text == emptyNoLAN && v.empty.Visible() })
}

// jpegOf encodes a w x h picture.
func jpegOf(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	img.Set(0, 0, color.White)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestLANViewThumbnailsOnlyWhileVisible: snapshots are fetched from the
// advertised path about once a second while the tab is seen, never while
// hidden; a peer whose snapshot fails is marked for the placeholder.
func TestLANViewThumbnailsOnlyWhileVisible(t *testing.T) {
	pic := jpegOf(t, 640, 360)
	var good, bad atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/snap.jpg":
			good.Add(1)
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write(pic)
		default:
			bad.Add(1)
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	_, portS, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portS)

	lan := newFakeLAN(true)
	v, loop := startLANView(t, lan, srv.Client())
	lan.add(testPeer("good", "Good", "", port, map[string]string{"snapshot": "/snap.jpg"}))
	lan.add(testPeer("bad", "Bad", "", port, map[string]string{"snapshot": "//elsewhere/x.jpg"}))
	loop.waitUntil(t, "rows", func() bool { return v.list.length() == 2 })

	time.Sleep(1500 * time.Millisecond) // hidden: nothing may be fetched
	if n := good.Load() + bad.Load(); n != 0 {
		t.Fatalf("%d snapshot requests while hidden", n)
	}

	v.SetVisible(true)
	loop.waitUntil(t, "thumbnail", func() bool { img, _ := v.thumbs.get("good"); return img != nil })
	img, failed := v.thumbs.get("good")
	if failed || img.Bounds().Dx() != 320 { // 640 wide at 1/2 still covers 2x the row's 128
		t.Errorf("thumbnail %v failed=%v: want a DCT-scaled picture", img.Bounds(), failed)
	}
	loop.waitUntil(t, "refetched", func() bool { return good.Load() >= 3 })
	loop.waitUntil(t, "bad peer marked", func() bool { _, f := v.thumbs.get("bad"); return f })
	if bad.Load() == 0 {
		t.Error("the unsafe snapshot path did not fall back to /snapshot.jpg on the peer")
	}

	v.SetVisible(false)
	time.Sleep(300 * time.Millisecond) // let a fetch in flight finish
	before := good.Load()
	time.Sleep(2 * time.Second)
	if after := good.Load(); after != before {
		t.Errorf("%d snapshot requests after SetVisible(false)", after-before)
	}
}

// TestSafePath: TXT paths that could leave the peer or break the URL fall
// back to the defaults.
func TestSafePath(t *testing.T) {
	for in, want := range map[string]string{
		"/stream.mjpg":      "/stream.mjpg",
		"/?action=stream":   "/?action=stream",
		"":                  defaultStreamPath,
		"stream":            defaultStreamPath,
		"//evil.example/x":  defaultStreamPath,
		"/a b":              defaultStreamPath,
		"/a\"onload=x":      defaultStreamPath,
		"/a\r\nX-Evil: yes": defaultStreamPath,
	} {
		if got := safePath(in, defaultStreamPath); got != want {
			t.Errorf("safePath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestValidateStreamURL: what the Open URL dialog accepts and refuses.
func TestValidateStreamURL(t *testing.T) {
	ok := map[string]string{
		"http://cam:8080/?action=stream": "http://cam:8080/?action=stream",
		" cam.local:8080/stream ":        "http://cam.local:8080/stream",
		"https://x/y.mjpg":               "https://x/y.mjpg",
	}
	for in, want := range ok {
		if got, err := validateStreamURL(in); err != nil || got != want {
			t.Errorf("validateStreamURL(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "rtsp://cam/x", "http://", "http:///path", "http://a b/", "file:///etc/passwd"} {
		if _, err := validateStreamURL(in); err == nil {
			t.Errorf("validateStreamURL(%q) accepted", in)
		}
	}
}
