package discovery

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Interfaces for the fake listers.
var (
	fakeLo   = Interface{Name: "lo", Flags: net.FlagUp | net.FlagLoopback, Addrs: []net.Addr{ipNet("127.0.0.1/8"), ipNet("::1/128")}}
	fakeEth0 = Interface{Name: "eth0", Flags: net.FlagUp | net.FlagBroadcast | net.FlagMulticast | net.FlagRunning,
		Addrs: []net.Addr{ipNet("192.168.1.20/24")}}
)

func ipNet(s string) *net.IPNet {
	ip, n, err := net.ParseCIDR(s)
	if err != nil {
		panic(err)
	}
	n.IP = ip
	return n
}

// fakeIfaces is an InterfaceLister whose answer the test switches between
// "only lo" and "lo and eth0", counting the calls.
type fakeIfaces struct {
	mu    sync.Mutex
	lan   bool
	calls int
}

func (f *fakeIfaces) list() ([]Interface, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.lan {
		return []Interface{fakeLo, fakeEth0}, nil
	}
	return []Interface{fakeLo}, nil
}

func (f *fakeIfaces) set(lan bool) {
	f.mu.Lock()
	f.lan = lan
	f.mu.Unlock()
}

// waitCalls waits until the lister has been asked n more times than now:
// that many checks (browse rounds or announcer checks) have passed.
func (f *fakeIfaces) waitCalls(t *testing.T, n int, within time.Duration) {
	t.Helper()
	f.mu.Lock()
	want := f.calls + n
	f.mu.Unlock()
	deadline := time.Now().Add(within)
	for {
		f.mu.Lock()
		got := f.calls
		f.mu.Unlock()
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("interfaces listed %d times, want %d within %v", got, want, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logBuf collects a logger's lines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// count is how many lines contain s.
func (l *logBuf) count(s string) int {
	n := 0
	for line := range strings.Lines(l.String()) {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

func (l *logBuf) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// The log lines the browser writes on a change.
const (
	logNoLAN   = "discovery: no network interface other than loopback is up"
	logLANBack = "discovery: LAN interface up again: eth0"
)

// TestCheckLAN: only an interface that is up, multicast-capable, not
// loopback and has an address counts; the message says it plainly.
func TestCheckLAN(t *testing.T) {
	up := net.FlagUp | net.FlagMulticast
	tests := []struct {
		name   string
		ifaces []Interface
		err    error
		want   LANStatus
	}{
		{"only lo", []Interface{fakeLo}, nil, LANStatus{}},
		{"lo with multicast", []Interface{{Name: "lo", Flags: up | net.FlagLoopback, Addrs: fakeLo.Addrs}}, nil, LANStatus{}},
		{"nothing", nil, nil, LANStatus{}},
		{"eth0 down", []Interface{fakeLo, {Name: "eth0", Flags: net.FlagMulticast, Addrs: fakeEth0.Addrs}}, nil, LANStatus{}},
		{"eth0 without address (Wi-Fi not joined)", []Interface{fakeLo, {Name: "wlan0", Flags: up}}, nil, LANStatus{}},
		{"eth0 without multicast", []Interface{fakeLo, {Name: "eth0", Flags: net.FlagUp, Addrs: fakeEth0.Addrs}}, nil, LANStatus{}},
		{"eth0 up", []Interface{fakeLo, fakeEth0}, nil, LANStatus{Up: true, Interfaces: []string{"eth0"}}},
		{"IPv6 link-local only", []Interface{{Name: "eth1", Flags: up, Addrs: []net.Addr{ipNet("fe80::1/64")}}}, nil,
			LANStatus{Up: true, Interfaces: []string{"eth1"}}},
		{"two, sorted", []Interface{{Name: "wlan0", Flags: up, Addrs: []net.Addr{&net.IPAddr{IP: net.IPv4(10, 0, 0, 2)}}}, fakeEth0}, nil,
			LANStatus{Up: true, Interfaces: []string{"eth0", "wlan0"}}},
		{"listing fails", nil, errors.New("netlink: permission denied"), LANStatus{Up: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckLAN(func() ([]Interface, error) { return tc.ifaces, tc.err })
			if got.Up != tc.want.Up || !slices.Equal(got.Interfaces, tc.want.Interfaces) {
				t.Errorf("CheckLAN = %+v, want %+v", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		st   LANStatus
		want string
	}{
		{LANStatus{}, "No network interface other than loopback is up: other lancams cannot find this one."},
		{LANStatus{Up: true, Interfaces: []string{"eth0"}}, "Network interface up: eth0."},
		{LANStatus{Up: true, Interfaces: []string{"eth0", "wlan0"}}, "Network interfaces up: eth0, wlan0."},
	} {
		if got := tc.st.Message(); got != tc.want {
			t.Errorf("%+v.Message() = %q, want %q", tc.st, got, tc.want)
		}
	}
	if st := CheckLAN(nil); st.Up && len(st.Interfaces) == 0 {
		t.Errorf("CheckLAN(nil) on this machine: %+v (listing failed?)", st)
	}
}

// TestBrowserWaitsForLAN: with only loopback up the browser says so once
// (not every round), does not browse and reports it in LAN(); when eth0
// comes up it says so once, tells consumers (LANChanged) and finds the
// peer that was there all along; when it goes again, it says so again,
// once.
func TestBrowserWaitsForLAN(t *testing.T) {
	lo := loopback(t)
	a := startAnnouncer(t, lo, testInfo("waitlan1"))
	defer closeAnnouncer(t, a)
	fake := &fakeIfaces{}
	var logs logBuf
	b := startBrowser(t, lo, BrowserConfig{Interfaces: fake.list, Logger: logs.logger(),
		RoundDuration: 300 * time.Millisecond, RoundInterval: 400 * time.Millisecond})
	defer b.Close()

	if st := b.LAN(); st.Up || st.Message() != NoLANMessage {
		t.Errorf("LAN() right after Start = %+v %q", st, st.Message())
	}
	fake.waitCalls(t, 5, 10*time.Second) // 5 rounds' worth: a browse would have found the peer
	if st := b.LAN(); st.Up {
		t.Errorf("LAN() with only lo = %+v", st)
	}
	if ps := b.Peers(); len(ps) != 0 {
		t.Errorf("browsed without a LAN interface: %+v", ps)
	}
	if n := logs.count(logNoLAN); n != 1 {
		t.Errorf("%q logged %d times over 5 rounds, want once:\n%s", logNoLAN, n, logs.String())
	}
	if n := logs.count("level=WARN"); n != 1 {
		t.Errorf("%d warnings, want the one:\n%s", n, logs.String())
	}

	fake.set(true)
	waitEvent(t, b, LANChanged, 5*time.Second)
	if st := b.LAN(); !st.Up || !slices.Equal(st.Interfaces, []string{"eth0"}) {
		t.Errorf("LAN() with eth0 up = %+v", st)
	}
	if p := waitEvent(t, b, Added, 5*time.Second); p.ID != "waitlan1" {
		t.Errorf("found %+v", p)
	}
	fake.waitCalls(t, 3, 10*time.Second)
	if n := logs.count(logLANBack); n != 1 {
		t.Errorf("%q logged %d times, want once:\n%s", logLANBack, n, logs.String())
	}

	fake.set(false)
	waitEvent(t, b, LANChanged, 5*time.Second)
	fake.waitCalls(t, 3, 10*time.Second)
	if st := b.LAN(); st.Up {
		t.Errorf("LAN() after eth0 went = %+v", st)
	}
	if n := logs.count(logNoLAN); n != 2 {
		t.Errorf("%q logged %d times after going down again, want 2 in all:\n%s", logNoLAN, n, logs.String())
	}
}

// TestAnnouncerWaitsForLAN: without a LAN interface Start succeeds without
// registering, the announcer registers when one comes up (a browser finds
// it), withdraws when it goes, and registers again when it is back.
func TestAnnouncerWaitsForLAN(t *testing.T) {
	lo := loopback(t)
	fake := &fakeIfaces{}
	var logs logBuf
	a := NewAnnouncer(AnnouncerConfig{Info: testInfo("waitlan2"), Ifaces: lo, Interfaces: fake.list, Logger: logs.logger(),
		Proxy: &ProxyAddr{Host: "lohost", IPs: []string{"127.0.0.1"}}, CheckInterval: 100 * time.Millisecond})
	if err := a.Start(t.Context()); err != nil {
		t.Fatalf("Start without a LAN interface: %v", err)
	}
	defer closeAnnouncer(t, a)
	registered := func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.servers != nil
	}
	waitRegistered := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for registered() != want {
			if time.Now().After(deadline) {
				t.Fatalf("registered=%v not within 5 s:\n%s", want, logs.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	b := startBrowser(t, lo, BrowserConfig{SelfID: "other"})
	defer b.Close()
	fake.waitCalls(t, 5, 10*time.Second)
	if registered() {
		t.Fatal("registered without a LAN interface")
	}
	if ps := b.Peers(); len(ps) != 0 {
		t.Fatalf("seen without a LAN interface: %+v", ps)
	}

	fake.set(true)
	if p := waitEvent(t, b, Added, 5*time.Second); p.ID != "waitlan2" {
		t.Fatalf("found %+v", p)
	}
	waitReceivers(t) // the announcer is about to shut its servers down
	fake.set(false)
	waitRegistered(false)
	fake.set(true)
	waitRegistered(true)
	if n := logs.count("level=WARN"); n != 0 {
		t.Errorf("warnings:\n%s", logs.String())
	}
	if n := logs.count("discovery: announced"); n != 2 {
		t.Errorf("announced %d times, want 2:\n%s", n, logs.String())
	}
}
