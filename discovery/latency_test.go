package discovery

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkRegisterToSeen measures, on loopback with the production round
// timings, how long after an announcer starts a running browser reports it.
// One op is one new peer; run with -benchtime=10x (make bench does).
func BenchmarkRegisterToSeen(b *testing.B) {
	lo := loopback(b)
	br := startBrowser(b, lo, BrowserConfig{RoundDuration: DefaultRoundDuration, RoundInterval: DefaultRoundInterval})
	defer br.Close()
	var took []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		a := startAnnouncer(b, lo, testInfo(fmt.Sprintf("lat%08d", i)))
		waitAdded(b, br, fmt.Sprintf("lat%08d", i))
		took = append(took, time.Since(start))
		closeAnnouncer(b, a)
	}
	reportLatency(b, took)
}

// BenchmarkColdBrowse measures how long a new browser takes to find a peer
// that is already announced (what a just-started lancam or GUI sees).
func BenchmarkColdBrowse(b *testing.B) {
	lo := loopback(b)
	a := startAnnouncer(b, lo, testInfo("cold0001"))
	defer closeAnnouncer(b, a)
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		br := startBrowser(b, lo, BrowserConfig{RoundDuration: DefaultRoundDuration, RoundInterval: DefaultRoundInterval})
		waitAdded(b, br, "cold0001")
		took = append(took, time.Since(start))
		br.Close()
	}
	reportLatency(b, took)
}

func waitAdded(b *testing.B, br *Browser, id string) {
	b.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-br.Events():
			if ev.Kind == Added && ev.Peer.ID == id {
				return
			}
		case <-deadline:
			b.Fatalf("peer %s not seen within 10 s", id)
		}
	}
}

// reportLatency adds the median and the worst case in milliseconds.
func reportLatency(b *testing.B, took []time.Duration) {
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(took[len(took)/2]), "p50-ms")
	b.ReportMetric(ms(took[len(took)-1]), "max-ms")
}
