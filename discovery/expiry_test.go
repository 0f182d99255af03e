package discovery

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/grandcat/zeroconf"
)

var timeZero = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// entry is an answer from a lancam with one camera; each id answers from
// an address of its own, as separate machines do.
func entry(id, name string) *zeroconf.ServiceEntry {
	e := zeroconf.NewServiceEntry(InstanceName(name, id), ServiceType, Domain)
	e.Port = 8080
	var sum byte
	for _, c := range []byte(id) {
		sum += c
	}
	e.AddrIPv4 = []net.IP{net.IPv4(127, 0, 1, sum)}
	e.Text = []string{"id=" + id, "name=" + name}
	return e
}

// TestExpiry simulates 3 s rounds on a fake clock: each step advances the
// clock, optionally delivers an answer, then sweeps like the real loop.
func TestExpiry(t *testing.T) {
	tests := []struct {
		name      string
		seenUntil time.Duration // answers stop after this
		checkOK   bool
		removedAt time.Duration // 0 = never removed within 60 s
	}{
		{"seen regularly", time.Hour, false, 0},
		{"vanished, check fails", 9 * time.Second, false, 15 * time.Second},
		{"vanished, check ok", 9 * time.Second, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &fakeClock{t: timeZero}
			checks := 0
			b := NewBrowser(BrowserConfig{Now: clk.now, Check: func(context.Context, Peer) error {
				checks++
				if tc.checkOK {
					return nil
				}
				return errors.New("down")
			}})
			defer b.Close()
			var removed time.Duration
			for at := time.Duration(0); at <= 60*time.Second; at += DefaultRoundInterval {
				if at <= tc.seenUntil {
					b.observe(entry("id1", "Cam"))
				}
				b.sweep(context.Background())
				if len(b.Peers()) == 0 && removed == 0 {
					removed = at
				}
				clk.add(DefaultRoundInterval)
			}
			if removed != tc.removedAt {
				t.Fatalf("removed at %v, want %v (checks %d)", removed, tc.removedAt, checks)
			}
			if tc.removedAt != 0 && removed-tc.seenUntil > 15*time.Second {
				t.Fatalf("removal took %v", removed-tc.seenUntil)
			}
			if tc.seenUntil == time.Hour && checks != 0 {
				t.Fatalf("live peer checked %d times", checks)
			}
			var kinds []EventKind
			for len(b.events) > 0 {
				kinds = append(kinds, (<-b.events).Kind)
			}
			if kinds[0] != Added || (tc.removedAt != 0) != (kinds[len(kinds)-1] == Removed) || len(kinds) > 2 {
				t.Fatalf("events %v", kinds)
			}
		})
	}
}

func TestEventsNeverBlock(t *testing.T) {
	b := NewBrowser(BrowserConfig{EventBuffer: 2})
	defer b.Close()
	for _, id := range []string{"c", "a", "b", "d"} {
		b.observe(entry(id, "Cam"))
	}
	b.observe(entry("z", "Alpha"))
	if b.Dropped() != 3 {
		t.Fatalf("dropped %d", b.Dropped())
	}
	ps := b.Peers()
	var got []string
	for _, p := range ps {
		got = append(got, p.Name+"/"+p.ID)
	}
	want := []string{"Alpha/z", "Cam/a", "Cam/b", "Cam/c", "Cam/d"}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v", got)
		}
	}
}

func TestCloseWithoutStart(t *testing.T) {
	b := NewBrowser(BrowserConfig{})
	b.Close()
	b.Close()
	if err := b.Start(context.Background()); err == nil {
		t.Fatal("Start after Close succeeded")
	}
	a := NewAnnouncer(AnnouncerConfig{Info: Info{ID: "x", Port: 0}})
	if err := a.Start(context.Background()); err == nil {
		t.Fatal("port 0 accepted")
	}
	a.Close()
	a.Close()
}
