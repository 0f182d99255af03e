package discovery

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/grandcat/zeroconf"
)

// at is an answer for id from addr:port.
func at(id, name, addr string, port int) *entryBuilder {
	e := entry(id, name)
	e.AddrIPv4 = []net.IP{net.ParseIP(addr)}
	e.Port = port
	return &entryBuilder{e}
}

type zeroconfEntry = zeroconf.ServiceEntry

type entryBuilder struct{ *zeroconfEntry }

// with adds an address, as a machine on two networks answers.
func (e *entryBuilder) with(addr string) *entryBuilder {
	e.AddrIPv4 = append(e.AddrIPv4, net.ParseIP(addr))
	return e
}

// TestServicesSharingAnID: answers carrying one id are one listed camera
// only when they come from the same port and share an address; copies of
// an installation on other machines (a cloned SD card) and a second
// lancam on another port are listed apart, never merged.
func TestServicesSharingAnID(t *testing.T) {
	tests := []struct {
		name    string
		answers []*entryBuilder
		want    []string // URLs of the listed peers, in order
		addrs   [][]string
	}{
		{"one camera answering twice", []*entryBuilder{at("id1", "Cam", "10.99.0.1", 8080), at("id1", "Cam", "10.99.0.1", 8080)},
			[]string{"http://10.99.0.1:8080"}, [][]string{{"10.99.0.1"}}},
		{"cloned card on two machines", []*entryBuilder{at("id1", "pi", "10.99.0.1", 8080), at("id1", "pi", "10.99.0.2", 8080)},
			[]string{"http://10.99.0.1:8080", "http://10.99.0.2:8080"}, [][]string{{"10.99.0.1"}, {"10.99.0.2"}}},
		{"two lancams sharing a home folder", []*entryBuilder{at("id1", "pi", "10.99.0.1", 8080), at("id1", "pi", "10.99.0.1", 8081)},
			[]string{"http://10.99.0.1:8080", "http://10.99.0.1:8081"}, [][]string{{"10.99.0.1"}, {"10.99.0.1"}}},
		{"Ethernet and Wi-Fi", []*entryBuilder{at("id1", "pi", "10.99.0.1", 8080), at("id1", "pi", "10.99.0.1", 8080).with("10.99.0.7")},
			[]string{"http://10.99.0.1:8080"}, [][]string{{"10.99.0.1", "10.99.0.7"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBrowser(BrowserConfig{})
			defer b.Close()
			for _, a := range tc.answers {
				b.observe(a.zeroconfEntry)
			}
			ps := b.Peers()
			if len(ps) != len(tc.want) {
				t.Fatalf("listed %d peers (%+v), want %d", len(ps), ps, len(tc.want))
			}
			keys := map[string]bool{}
			for i, p := range ps {
				if p.URL() != tc.want[i] {
					t.Errorf("peer %d at %s, want %s", i, p.URL(), tc.want[i])
				}
				var got []string
				for _, a := range p.Addrs {
					got = append(got, a.String())
				}
				if strings.Join(got, ",") != strings.Join(tc.addrs[i], ",") {
					t.Errorf("peer %d addresses %v, want %v", i, got, tc.addrs[i])
				}
				if keys[p.Key] || p.Key == "" {
					t.Errorf("peer %d key %q empty or shared", i, p.Key)
				}
				keys[p.Key] = true
			}
		})
	}
}

// TestIsSelfAndSeen: the IsSelf hook filters our own answers (by more than
// the id) and Seen reports every other answer.
func TestIsSelfAndSeen(t *testing.T) {
	var seen []string
	b := NewBrowser(BrowserConfig{
		IsSelf: func(p Peer) bool { return p.ID == "mine" && p.Port == 8080 && p.Addrs[0].String() == "10.99.0.1" },
		Seen:   func(p Peer) { seen = append(seen, p.ID+"@"+p.URL()) },
	})
	defer b.Close()
	b.observe(at("mine", "pi", "10.99.0.1", 8080).zeroconfEntry)
	b.observe(at("mine", "pi", "10.99.0.2", 8080).zeroconfEntry)
	b.observe(at("other", "pi", "10.99.0.3", 8080).zeroconfEntry)
	if ps := b.Peers(); len(ps) != 2 || ps[0].ID != "mine" || ps[0].URL() != "http://10.99.0.2:8080" {
		t.Fatalf("peers %+v: want the copy of us on 10.99.0.2 and the other", ps)
	}
	if strings.Join(seen, " ") != "mine@http://10.99.0.2:8080 other@http://10.99.0.3:8080" {
		t.Fatalf("Seen got %v", seen)
	}
}

// TestStatusCheckVerifiesID: a quiet peer is alive only if what answers at
// its address still carries its id; lancams without ids in /status (older
// versions) and ones behind a password count as alive.
func TestStatusCheckVerifiesID(t *testing.T) {
	tests := []struct {
		name   string
		code   int
		body   string
		wantOK bool
	}{
		{"its id", 200, `{"id":"abc","streams":[{"id":"abc"}]}`, true},
		{"its id on a second camera", 200, `{"id":"xyz","streams":[{"id":"xyz"},{"id":"abc"}]}`, true},
		{"another lancam now", 200, `{"id":"xyz","streams":[{"id":"xyz"}]}`, false},
		{"older lancam", 200, `{"source":{}}`, true},
		{"password", 401, ``, true},
		{"error", 500, ``, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.code)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			host, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
			p := Peer{ID: "abc", Addrs: []net.IP{net.ParseIP(host)}}
			p.Port, _ = strconv.Atoi(port)
			err := HTTPStatusCheck(srv.Client())(context.Background(), p)
			if (err == nil) != tc.wantOK {
				t.Fatalf("check = %v, want ok=%v", err, tc.wantOK)
			}
		})
	}
}

// TestNewIDSupersedes: a camera that took a new id (a copy of an
// installation noticing) replaces its old entry at once, while two
// cameras of one lancam (same address and port, TXT cam differs) are both
// listed.
func TestNewIDSupersedes(t *testing.T) {
	b := NewBrowser(BrowserConfig{})
	defer b.Close()
	b.observe(at("old", "pi", "10.99.0.1", 8080).zeroconfEntry)
	b.observe(at("new", "pi", "10.99.0.1", 8080).zeroconfEntry)
	if ps := b.Peers(); len(ps) != 1 || ps[0].ID != "new" {
		t.Fatalf("peers %+v: want only the new id", ps)
	}
	var kinds []EventKind
	for len(b.events) > 0 {
		kinds = append(kinds, (<-b.events).Kind)
	}
	if len(kinds) != 3 || kinds[1] != Removed || kinds[2] != Added {
		t.Fatalf("events %v: want Added, Removed, Added", kinds)
	}

	two := NewBrowser(BrowserConfig{})
	defer two.Close()
	for _, c := range []struct{ id, cam string }{{"id-a", "front"}, {"id-b", "back"}} {
		e := at(c.id, "pi "+c.cam, "10.99.0.1", 8080)
		e.Text = append(e.Text, "cam="+c.cam)
		two.observe(e.zeroconfEntry)
	}
	if ps := two.Peers(); len(ps) != 2 || ps[0].TXT["cam"] != "back" || ps[1].TXT["cam"] != "front" {
		t.Fatalf("peers %+v: want both cameras of one lancam", ps)
	}
}
