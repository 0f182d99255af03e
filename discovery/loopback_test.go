package discovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"lancam/internal/testenv"
)

// TestMain checks for leaks without ignoring anything, but waits up to 6 s
// because zeroconf v1.0.0's Server.probe goroutine outlives Shutdown by ~4 s
// (library behaviour, see /work/shared/notes/mdns.md).
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		deadline := time.Now().Add(6 * time.Second)
		err := goleak.Find()
		for err != nil && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
			err = goleak.Find()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// loopback returns lo; the library joins the multicast group on it when it is
// selected explicitly. If that does not work here, skip unless CI=true.
func loopback(t testing.TB) []net.Interface {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err == nil {
		for _, ifc := range ifaces {
			if ifc.Flags&net.FlagLoopback != 0 && ifc.Flags&net.FlagUp != 0 {
				return []net.Interface{ifc}
			}
		}
	}
	testenv.Missing(t, "no usable loopback interface (needs lo up)")
	return nil
}

func testInfo(id string) Info {
	return Info{ID: id, Name: "Küche", Version: "test", Port: 18080, Width: 640, Height: 480, FPS: 15, Auth: "none"}
}

func startAnnouncer(t testing.TB, lo []net.Interface, in Info) *Announcer {
	t.Helper()
	a := NewAnnouncer(AnnouncerConfig{Info: in, Ifaces: lo, Proxy: &ProxyAddr{Host: "lohost", IPs: []string{"127.0.0.1"}}})
	if err := a.Start(context.Background()); err != nil {
		testenv.Missing(t, "register on lo failed (try `ip link set lo multicast on` as root): %v", err)
	}
	return a
}

func startBrowser(t testing.TB, lo []net.Interface, cfg BrowserConfig) *Browser {
	t.Helper()
	cfg.Ifaces = lo
	if cfg.RoundDuration == 0 {
		cfg.RoundDuration, cfg.RoundInterval = 500*time.Millisecond, 700*time.Millisecond
	}
	b := NewBrowser(cfg)
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return b
}

func waitEvent(t *testing.T, b *Browser, kind EventKind, within time.Duration) Peer {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev := <-b.Events():
			if ev.Kind == kind {
				return ev.Peer
			}
		case <-deadline:
			t.Fatalf("no event %d within %v (peers %v)", kind, within, b.Peers())
		}
	}
}

func TestAnnouncedPeerSeen(t *testing.T) {
	lo := loopback(t)
	b := startBrowser(t, lo, BrowserConfig{SelfID: "other"})
	defer b.Close()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	a := startAnnouncer(t, lo, testInfo("a1b2c3d4"))
	defer closeAnnouncer(t, a)
	p := waitEvent(t, b, Added, 2*time.Second)
	t.Logf("register -> seen by running browser: %v", time.Since(start))
	want := map[string]string{"id": "a1b2c3d4", "name": "Küche", "path": "/stream.mjpg", "snapshot": "/snapshot.jpg",
		"size": "640x480", "fps": "15", "auth": "none", "version": "test"}
	for k, v := range want {
		if p.TXT[k] != v {
			t.Errorf("TXT %s=%q want %q", k, p.TXT[k], v)
		}
	}
	if p.Name != "Küche" || p.Port != 18080 || len(p.Addrs) == 0 || !p.Addrs[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("peer %+v", p)
	}

	start = time.Now()
	cold := startBrowser(t, lo, BrowserConfig{})
	defer cold.Close()
	waitEvent(t, cold, Added, 2*time.Second)
	t.Logf("cold browse -> seen: %v", time.Since(start))

	waitReceivers(t) // the update re-registers: see waitReceivers
	if err := a.Update(Info{ID: "a1b2c3d4", Name: "Garage", Version: "test", Port: 18080, Width: 320, Height: 240, FPS: 5, Auth: "basic"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ps := b.Peers()
		if len(ps) == 1 && ps[0].Name == "Garage" && ps[0].TXT["auth"] == "basic" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("update not seen: %+v", ps)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Interface check: unchanged addresses keep the servers, a change re-registers.
	a.mu.Lock()
	before := a.servers[1]
	a.mu.Unlock()
	if err := a.CheckInterfaces(); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	same := a.servers[1] == before
	a.ifaceSig = "pretend the addresses changed"
	a.mu.Unlock()
	if !same {
		t.Fatal("re-registered without an interface change")
	}
	waitReceivers(t)
	if err := a.CheckInterfaces(); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	same = a.servers[1] == before
	a.mu.Unlock()
	if same {
		t.Fatal("interface change did not re-register")
	}
}

func TestSelfFiltered(t *testing.T) {
	lo := loopback(t)
	a := startAnnouncer(t, lo, testInfo("self1234"))
	defer closeAnnouncer(t, a)
	b := startBrowser(t, lo, BrowserConfig{SelfID: "self1234"})
	defer b.Close()
	time.Sleep(1500 * time.Millisecond)
	if ps := b.Peers(); len(ps) != 0 {
		t.Fatalf("saw own instance: %+v", ps)
	}
}

func TestClosedPeerRemoved(t *testing.T) {
	lo := loopback(t)
	a := startAnnouncer(t, lo, testInfo("gone5678"))
	b := startBrowser(t, lo, BrowserConfig{StaleAfter: 1500 * time.Millisecond,
		Check: func(context.Context, Peer) error { return errors.New("connection refused") }})
	defer b.Close()
	waitEvent(t, b, Added, 2*time.Second)
	closeAnnouncer(t, a)
	start := time.Now()
	p := waitEvent(t, b, Removed, 5*time.Second)
	t.Logf("closed -> removed after %v (StaleAfter 1.5 s)", time.Since(start))
	if p.ID != "gone5678" {
		t.Fatalf("removed %+v", p)
	}
}
