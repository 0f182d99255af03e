package mjpegload

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// frameSize is the body size of fakeServer's parts.
const frameSize = 2004

// countingServer serves h and counts the stream requests that reached it
// and the handlers that have returned, i.e. the hang-ups the server saw.
type countingServer struct {
	*httptest.Server
	opened, closed atomic.Int64
}

func newCountingServer(t *testing.T, h http.Handler) *countingServer {
	t.Helper()
	c := new(countingServer)
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.opened.Add(1)
		defer c.closed.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(c.Close)
	return c
}

// waitClosed waits until the server has seen every connection end: it
// notices a hang-up only on its next write, 10 ms away with fakeServer.
func (c *countingServer) waitClosed(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for c.closed.Load() != c.opened.Load() {
		if time.Now().After(deadline) {
			t.Fatalf("server: %d streams opened, %d closed", c.opened.Load(), c.closed.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestViewFrames(t *testing.T) {
	srv := newCountingServer(t, fakeServer{})
	st, err := View(t.Context(), ViewConfig{URL: srv.URL + "/stream.mjpg", Frames: 5})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Connected || st.Dropped || st.Frames != 5 || st.Bytes != 5*frameSize || st.BadParts != 0 || st.Err != nil {
		t.Errorf("View = %+v; want 5 frames of %d bytes, no error", st, frameSize)
	}
	srv.waitClosed(t)
	if n := srv.opened.Load(); n != 1 {
		t.Errorf("server saw %d streams, want 1", n)
	}
}

func TestViewDuration(t *testing.T) {
	srv := newCountingServer(t, fakeServer{})
	start := time.Now()
	st, err := View(t.Context(), ViewConfig{URL: srv.URL, Duration: 150 * time.Millisecond})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	// 100 fps for 150 ms is 15 frames; leave room for -race.
	if !st.Connected || st.Dropped || st.Frames < 3 || st.Frames > 20 || st.Bytes != st.Frames*frameSize || st.Err != nil {
		t.Errorf("View = %+v", st)
	}
	if took < 150*time.Millisecond || took > 2*time.Second {
		t.Errorf("View took %v for a 150 ms Duration", took)
	}
	srv.waitClosed(t)
}

func TestViewFailures(t *testing.T) {
	busy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "too many clients", http.StatusServiceUnavailable)
	})
	for _, tc := range []struct {
		name      string
		h         http.Handler
		connected bool
		dropped   bool
		frames    int64
		bad       bool
		err       string
	}{
		{"refused", busy, false, false, 0, false, "503"},
		{"server hangs up", fakeServer{stopAfter: 2}, true, true, 2, false, "stream ended"},
		{"corrupt", fakeServer{corruptEvery: 2}, true, false, 3, true, "not a whole JPEG"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			st, err := View(t.Context(), ViewConfig{URL: srv.URL, Frames: 3, Duration: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if st.Connected != tc.connected || st.Dropped != tc.dropped || st.Frames != tc.frames ||
				(st.BadParts > 0) != tc.bad || st.Err == nil || !strings.Contains(st.Err.Error(), tc.err) {
				t.Errorf("View = %+v; want connected %v, dropped %v, %d frames, bad parts %v, error with %q",
					st, tc.connected, tc.dropped, tc.frames, tc.bad, tc.err)
			}
		})
	}
}

func TestViewBadConfig(t *testing.T) {
	for _, cfg := range []ViewConfig{
		{URL: "https://x/"},
		{URL: "http://x/", Frames: -1},
		{URL: "http://x/", Duration: -time.Second},
	} {
		if _, err := View(t.Context(), cfg); err == nil {
			t.Errorf("View(%+v): want error", cfg)
		}
	}
	if _, err := NewPool(t.Context(), PoolConfig{URL: "ftp://x/"}); err == nil {
		t.Error("NewPool with an ftp URL: want error")
	}
}

// TestPoolReplace churns by hand, waiting for every viewer to stream before
// each round, so the counts are exact: 4 viewers and 3 rounds of 2
// replacements are 10 connections, each hung up once and each with at least
// one frame.
func TestPoolReplace(t *testing.T) {
	srv := newCountingServer(t, fakeServer{})
	p, err := NewPool(t.Context(), PoolConfig{URL: srv.URL + "/stream.mjpg"})
	if err != nil {
		t.Fatal(err)
	}
	p.Fill(4)
	for range 3 {
		if err := p.WaitStreaming(t.Context(), 5*time.Second); err != nil {
			t.Fatal(err)
		}
		p.Replace(2)
	}
	if err := p.WaitStreaming(t.Context(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if live := p.Stats(); live.Started != 10 || live.Connected != 10 || live.Lost != 0 {
		t.Errorf("live stats %+v; want 10 started and connected", live)
	}
	p.Close()
	srv.waitClosed(t)

	st := p.Stats()
	if st.Started != 10 || st.Connected != 10 || st.HungUp != 10 || st.Lost != 0 || st.BadParts != 0 {
		t.Errorf("stats %+v; want 10 started, connected and hung up", st)
	}
	if st.Frames < 10 || st.Bytes != st.Frames*frameSize {
		t.Errorf("%d frames, %d bytes; want at least one frame of %d bytes a viewer", st.Frames, st.Bytes, frameSize)
	}
	if o, c := srv.opened.Load(), srv.closed.Load(); o != 10 || c != 10 {
		t.Errorf("server saw %d streams open and %d close, want 10 and 10", o, c)
	}
	if err := p.Err(); err != nil {
		t.Errorf("Err = %v", err)
	}
}

// TestPoolChurn runs the timed churn: 3 viewers, 2 replaced every 25 ms for
// 250 ms. The number of rounds depends on the scheduler, but every round
// starts exactly 2 viewers and every viewer is hung up once.
func TestPoolChurn(t *testing.T) {
	srv := newCountingServer(t, fakeServer{})
	p, err := NewPool(t.Context(), PoolConfig{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	p.Fill(3)
	start := time.Now()
	if err := p.Churn(t.Context(), 2, 25*time.Millisecond, start.Add(250*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 250*time.Millisecond || took > 2*time.Second {
		t.Errorf("Churn took %v for 250 ms", took)
	}
	if err := p.WaitStreaming(t.Context(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Close()
	srv.waitClosed(t)

	st := p.Stats()
	rounds := (st.Started - 3) / 2
	t.Logf("%d rounds: %+v", rounds, st)
	if (st.Started-3)%2 != 0 || rounds < 3 || rounds > 10 {
		t.Errorf("%d viewers started; want 3 + 2 a round, about 10 rounds", st.Started)
	}
	if o, c := srv.opened.Load(), srv.closed.Load(); o != st.Started || c != st.Started {
		t.Errorf("server saw %d streams open and %d close; the pool started %d", o, c, st.Started)
	}
	// A viewer replaced before its answer never connects, so Connected may
	// fall short of Started, but every viewer was hung up by the pool.
	if st.HungUp != st.Started || st.Lost != 0 || st.BadParts != 0 || st.Connected > st.Started || st.Connected < 3 {
		t.Errorf("stats %+v; want every viewer hung up, none lost", st)
	}
	if st.Frames < 3 || st.Bytes != st.Frames*frameSize {
		t.Errorf("%d frames, %d bytes", st.Frames, st.Bytes)
	}
	if err := p.Err(); err != nil {
		t.Errorf("Err = %v", err)
	}
}

// TestPoolHangUpBeforeAnswer replaces viewers whose answer has not come
// yet: leaving early is what the pool asked for, not a failure.
func TestPoolHangUpBeforeAnswer(t *testing.T) {
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	})
	srv := newCountingServer(t, slow)
	p, err := NewPool(t.Context(), PoolConfig{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	p.Fill(2)
	// Wait until both requests are at the server, so the hang-up comes
	// while the viewers wait for the answer rather than while they dial.
	for srv.opened.Load() < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	p.Replace(2)
	p.Close()
	srv.waitClosed(t)
	if st := p.Stats(); st.Started != 4 || st.HungUp != 4 || st.Connected != 0 || st.Lost != 0 {
		t.Errorf("stats %+v; want 4 started and hung up, none connected", st)
	}
	if err := p.Err(); err != nil {
		t.Errorf("Err = %v, want nil", err)
	}
}

// TestPoolFailure: a stream the server ends is a failure that Churn and
// WaitStreaming report.
func TestPoolFailure(t *testing.T) {
	srv := newCountingServer(t, fakeServer{stopAfter: 2})
	p, err := NewPool(t.Context(), PoolConfig{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Fill(2)
	err = p.Churn(t.Context(), 1, 20*time.Millisecond, time.Now().Add(5*time.Second))
	if err == nil || !strings.Contains(err.Error(), "stream ended") {
		t.Errorf("Churn = %v, want the dropped stream", err)
	}
	if err := p.WaitStreaming(t.Context(), time.Second); err == nil {
		t.Error("WaitStreaming after a failure: want error")
	}
	if st := p.Stats(); st.Lost == 0 {
		t.Errorf("stats %+v; want lost viewers", st)
	}
}
