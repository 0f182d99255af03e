//go:build lan

package main

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lancam/discovery"
	"lancam/internal/testenv"
)

// Limits the issue sets: everyone seen within 2 s of starting, a vanished
// peer dropped within 15 s.
const (
	seenWithin    = 2 * time.Second
	droppedWithin = 15 * time.Second
)

// peerIDs lists the ids in a /peers document, sorted.
func peerIDs(d peersDoc) []string {
	var ids []string
	for _, p := range d.Peers {
		ids = append(ids, p.ID)
	}
	sort.Strings(ids)
	return ids
}

// waitPeers polls l's /peers until ok holds, returning the document and
// how long it took; it fails the test after limit.
func waitPeers(t *testing.T, l *labLancam, limit time.Duration, what string, ok func(peersDoc) bool) (peersDoc, time.Duration) {
	t.Helper()
	start := time.Now()
	var last peersDoc
	var lastErr error
	for time.Since(start) < limit {
		d, err := l.peers()
		if err == nil && ok(d) {
			return d, time.Since(start)
		}
		last, lastErr = d, err
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%s: %s not within %v; last /peers: %+v (err %v)", l.host, what, limit, last, lastErr)
	return last, 0
}

// TestLANDiscovery: three lancams on a private LAN find each other, never
// themselves; a frame can be fetched from the address a peer advertises; a
// killed instance is dropped, and comes back when it starts again.
func TestLANDiscovery(t *testing.T) {
	t.Parallel()
	lab := newNetLab(t)
	hosts := []string{"cam-a", "cam-b", "cam-c"}
	for i, h := range hosts {
		lab.addHost(h, i+1)
	}
	ls := make([]*labLancam, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		cfg := labConfigDir(t, h)
		wg.Go(func() { ls[i] = lab.startLancam(h, cfg) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	ids := make([]string, len(ls))
	for i, l := range ls {
		d, err := l.peers()
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = d.Self.ID
		if d.Self.Name != hosts[i] || !d.MDNS {
			t.Errorf("%s: /peers self %+v mdns %v, want the hostname as name and mdns on", hosts[i], d.Self, d.MDNS)
		}
	}
	if ids[0] == ids[1] || ids[1] == ids[2] || ids[0] == ids[2] {
		t.Fatalf("instances share an id: %q", ids)
	}

	// Everyone sees exactly the two others, within 2 s of all running.
	others := func(i int) []string {
		o := slices.Concat(ids[:i], ids[i+1:])
		sort.Strings(o)
		return o
	}
	for i, l := range ls {
		d, took := waitPeers(t, l, seenWithin, "both others", func(d peersDoc) bool { return slices.Equal(peerIDs(d), others(i)) })
		t.Logf("%s saw both others %v after all three were up", l.host, took.Round(time.Millisecond))
		for _, p := range d.Peers {
			j := slices.Index(ids, p.ID)
			if p.Name != hosts[j] || p.Host != hosts[j]+".local" || p.Port != 8080 || len(p.Addrs) == 0 ||
				p.Addrs[0] != fmt.Sprintf("10.99.0.%d", j+1) || p.Size != "640x360" || p.FPS != "15" || p.Auth != "none" || p.Version != e2eVersion {
				t.Errorf("%s lists %s as %+v", l.host, hosts[j], p)
			}
			if want := fmt.Sprintf("http://10.99.0.%d:8080/stream.mjpg", j+1); p.Stream != want {
				t.Errorf("%s: stream URL %q, want %q", l.host, p.Stream, want)
			}
		}
	}

	// cam-a plays cam-b's stream from the advertised address with ffmpeg.
	d, _ := ls[0].peers()
	var b peerDoc
	for _, p := range d.Peers {
		if p.ID == ids[1] {
			b = p
		}
	}
	testenv.Tool(t, "ffmpeg")
	out, err := lab.run("cam-a", toolTimeout, "ffmpeg", "-v", "error", "-i", b.Stream, "-frames:v", "1", "-c", "copy", "-f", "image2pipe", "-")
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(out)); err != nil || cfg.Width != 640 || cfg.Height != 360 {
		t.Errorf("frame from %s: %v, %dx%d; want a 640x360 JPEG", b.Stream, err, cfg.Width, cfg.Height)
	}

	// Kill cam-c without a goodbye (power cut): the others drop it in time.
	killed := time.Now()
	ls[2].kill(syscall.SIGKILL)
	for _, l := range ls[:2] {
		waitPeers(t, l, droppedWithin-time.Since(killed), "cam-c dropped", func(d peersDoc) bool { return !slices.Contains(peerIDs(d), ids[2]) })
		t.Logf("%s dropped cam-c %v after it was killed", l.host, time.Since(killed).Round(time.Millisecond))
	}
	// Its return: the same installation, so the same id.
	ls[2] = lab.startLancam("cam-c", ls[2].config)
	for i, l := range ls[:2] {
		_, took := waitPeers(t, l, seenWithin, "cam-c back", func(d peersDoc) bool { return slices.Equal(peerIDs(d), others(i)) })
		t.Logf("%s saw cam-c back %v after it answered again", l.host, took.Round(time.Millisecond))
	}
	waitPeers(t, ls[2], seenWithin, "both others after a restart", func(d peersDoc) bool { return slices.Equal(peerIDs(d), others(2)) })
	if d, _ := ls[2].peers(); d.Self.ID != ids[2] {
		t.Errorf("cam-c came back with id %q, want its old %q", d.Self.ID, ids[2])
	}
}

// TestLANSameName: two cameras both called "Garden" are both listed, told
// apart by id and instance name.
func TestLANSameName(t *testing.T) {
	t.Parallel()
	lab := newNetLab(t)
	for i, h := range []string{"viewer", "garden-1", "garden-2"} {
		lab.addHost(h, i+1)
	}
	viewer := lab.startLancam("viewer", labConfigDir(t, "viewer"))
	lab.startLancam("garden-1", labConfigDir(t, "g1"), "-name", "Garden")
	lab.startLancam("garden-2", labConfigDir(t, "g2"), "-name", "Garden")
	d, _ := waitPeers(t, viewer, seenWithin, "two peers", func(d peersDoc) bool { return len(d.Peers) == 2 })
	p, q := d.Peers[0], d.Peers[1]
	if p.Name != "Garden" || q.Name != "Garden" {
		t.Errorf("names %q and %q, want both Garden", p.Name, q.Name)
	}
	if p.ID == q.ID || p.Instance == q.Instance || p.Addrs[0] == q.Addrs[0] {
		t.Errorf("the two Gardens are not distinguishable: %+v and %+v", p, q)
	}
	for _, x := range []peerDoc{p, q} {
		if !strings.HasPrefix(x.Instance, "Garden (") {
			t.Errorf("instance name %q, want Garden (id…)", x.Instance)
		}
	}
	// Both stay, without flapping, across a stale period and its checks.
	until := time.Now().Add(discovery.DefaultStaleAfter + discovery.DefaultRoundInterval)
	for time.Now().Before(until) {
		if d2, err := viewer.peers(); err != nil || !slices.Equal(peerIDs(d2), peerIDs(d)) {
			t.Fatalf("the list changed to %v (err %v), want %v throughout", peerIDs(d2), err, peerIDs(d))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
