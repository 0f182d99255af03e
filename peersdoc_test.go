package main

import (
	"net"
	"testing"
	"time"

	"lancam/discovery"
)

// TestPeersDocURLs checks that the URLs in /peers always point at the
// peer's own address and port, whatever paths its TXT claims.
func TestPeersDocURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, snapshot string
		wantStream     string
		wantSnapshot   string
		wantPage       string // "" means the server's page
	}{
		{"/cam/garden/stream.mjpg", "/cam/garden/snapshot.jpg", "http://10.99.0.2:8080/cam/garden/stream.mjpg", "http://10.99.0.2:8080/cam/garden/snapshot.jpg", "http://10.99.0.2:8080/cam/garden/"},
		{"/stream.mjpg", "/snapshot.jpg", "http://10.99.0.2:8080/stream.mjpg", "http://10.99.0.2:8080/snapshot.jpg", ""},
		{"/?action=stream", "/?action=snapshot", "http://10.99.0.2:8080/?action=stream", "http://10.99.0.2:8080/?action=snapshot", ""},
		{"", "", "http://10.99.0.2:8080/stream.mjpg", "http://10.99.0.2:8080/snapshot.jpg", ""},
		{"stream.mjpg", "snap", "http://10.99.0.2:8080/stream.mjpg", "http://10.99.0.2:8080/snapshot.jpg", ""},
		{"//evil.example/x", "/\\evil.example", "http://10.99.0.2:8080/stream.mjpg", "http://10.99.0.2:8080/snapshot.jpg", ""},
		{"/a\"onerror=x", "/a b", "http://10.99.0.2:8080/stream.mjpg", "http://10.99.0.2:8080/snapshot.jpg", ""},
		{"/a\nb", "/x\x7f", "http://10.99.0.2:8080/stream.mjpg", "http://10.99.0.2:8080/snapshot.jpg", ""},
	}
	for _, tc := range tests {
		p := discovery.Peer{ID: "abc", Name: "Cam", Port: 8080, Addrs: []net.IP{net.ParseIP("10.99.0.2"), net.ParseIP("fd00::2")},
			TXT: map[string]string{"path": tc.path, "snapshot": tc.snapshot, "size": "640x480"}, LastSeen: time.Unix(1, 0)}
		d := newPeersDoc(selfDoc{ID: "me", Name: "Me"}, true, []discovery.Peer{p})
		if len(d.Peers) != 1 {
			t.Fatalf("%d peers", len(d.Peers))
		}
		got := d.Peers[0]
		if tc.wantPage == "" {
			tc.wantPage = "http://10.99.0.2:8080/"
		}
		if got.Stream != tc.wantStream || got.Snapshot != tc.wantSnapshot || got.URL != tc.wantPage {
			t.Errorf("TXT path %q snapshot %q: stream %q snapshot %q url %q", tc.path, tc.snapshot, got.Stream, got.Snapshot, got.URL)
		}
		if len(got.Addrs) != 2 || got.Addrs[1] != "fd00::2" || got.Size != "640x480" {
			t.Errorf("peer doc %+v", got)
		}
	}
	if d := newPeersDoc(selfDoc{ID: "me", Name: "Me"}, false, nil); d.Peers == nil || d.MDNS || d.Self.ID != "me" {
		t.Errorf("empty doc %+v: want an empty list, mdns off, self", d)
	}
}
