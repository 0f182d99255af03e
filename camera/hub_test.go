package camera

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func waitRunning(t *testing.T, s *fakeSource, want bool) {
	t.Helper()
	select {
	case got := <-s.running:
		if got != want {
			t.Fatalf("source running=%v, want %v", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("source never became running=%v", want)
	}
}

func TestHubStartsSourceOnlyWhileWatched(t *testing.T) {
	src := newFakeSource()
	h := NewHub(HubConfig{Source: src, Grace: 20 * time.Millisecond})
	defer h.Close()

	if st := h.Stats(); st.Running || src.starts.Load() != 0 {
		t.Fatalf("source started with nobody watching: %+v", st)
	}
	a := h.Subscribe()
	waitRunning(t, src, true)
	b := h.Subscribe()
	a.Close()
	b.Close()
	waitRunning(t, src, false) // after the grace period
	if n := src.starts.Load(); n != 1 {
		t.Fatalf("starts=%d, want 1", n)
	}
	if h.Latest() != nil {
		t.Fatal("stopped hub still offers a stale frame")
	}
	c := h.Subscribe()
	waitRunning(t, src, true)
	c.Close()
	waitRunning(t, src, false)
}

func TestHubGraceKeepsSourceForReturningViewer(t *testing.T) {
	src := newFakeSource()
	h := NewHub(HubConfig{Source: src, Grace: time.Hour})
	defer h.Close()
	a := h.Subscribe()
	waitRunning(t, src, true)
	a.Close()
	b := h.Subscribe() // within the grace period: no restart
	defer b.Close()
	src.emit(1)
	if _, err := b.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := src.starts.Load(); n != 1 {
		t.Fatalf("starts=%d, want 1 (grace must keep the source)", n)
	}
}

func TestHubLatestWinsAndCountsDrops(t *testing.T) {
	src := newFakeSource()
	h := NewHub(HubConfig{Source: src, Grace: -1})
	defer h.Close()
	fast := h.Subscribe()
	slow := h.Subscribe()
	defer fast.Close()
	defer slow.Close()
	waitRunning(t, src, true)

	ctx := context.Background()
	for i := uint64(1); i <= 5; i++ {
		src.emit(1)
		f, err := fast.Next(ctx)
		if err != nil || f.Seq() != i {
			t.Fatalf("fast got seq %v err %v, want %d", f, err, i)
		}
	}
	f, err := slow.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f.Seq() != 5 {
		t.Fatalf("slow subscriber got seq %d, want the latest (5)", f.Seq())
	}
	if d := slow.Dropped(); d != 4 {
		t.Fatalf("slow dropped %d, want 4", d)
	}
	if d := fast.Dropped(); d != 0 {
		t.Fatalf("fast dropped %d, want 0", d)
	}
}

func TestHubSharesFramesNotCopies(t *testing.T) {
	src := newFakeSource()
	h := NewHub(HubConfig{Source: src, Grace: -1})
	defer h.Close()
	subs := make([]*Subscriber, 10)
	for i := range subs {
		subs[i] = h.Subscribe()
		defer subs[i].Close()
	}
	waitRunning(t, src, true)
	src.emit(1)
	first, _ := subs[0].Next(context.Background())
	for _, s := range subs[1:] {
		f, _ := s.Next(context.Background())
		if f != first || &f.JPEG()[0] != &first.JPEG()[0] {
			t.Fatal("subscribers got different frame objects")
		}
	}
}

func TestNewSubscriberGetsLatestAtOnce(t *testing.T) {
	src := newFakeSource()
	h := NewHub(HubConfig{Source: src, Grace: -1})
	defer h.Close()
	a := h.Subscribe()
	defer a.Close()
	waitRunning(t, src, true)
	src.emit(2)
	b := h.Subscribe()
	defer b.Close()
	f := b.Take()
	if f == nil || f.Seq() != 2 {
		t.Fatalf("new subscriber's mailbox = %v, want frame 2", f)
	}
}

func TestNextEndsOnContextCloseAndHubClose(t *testing.T) {
	src := newFakeSource()
	h := NewHub(HubConfig{Source: src, Grace: -1})
	s := h.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next with cancelled ctx: %v", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	var err error
	go func() { defer wg.Done(); _, err = s.Next(context.Background()) }()
	h.Close()
	wg.Wait()
	if !errors.Is(err, ErrHubClosed) {
		t.Fatalf("Next after hub Close: %v", err)
	}
	s.Close()
	if after := h.Subscribe(); after.Take() != nil {
		t.Fatal("subscriber of a closed hub got a frame")
	}
}

func TestSubscriberCloseWakesNext(t *testing.T) {
	src := newFakeSource()
	h := NewHub(HubConfig{Source: src, Grace: -1})
	defer h.Close()
	s := h.Subscribe()
	done := make(chan error)
	go func() { _, err := s.Next(context.Background()); done <- err }()
	s.Close()
	if err := <-done; !errors.Is(err, ErrHubClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
	s.Close() // idempotent
}

func TestHubRestartsFailingSource(t *testing.T) {
	src := newFakeSource()
	src.fail = errors.New("device gone")
	h := NewHub(HubConfig{Source: src, Grace: -1, MaxBackoff: 10 * time.Millisecond})
	s := h.Subscribe()
	for range 3 { // three failed runs: it keeps retrying while watched
		waitRunning(t, src, true)
		waitRunning(t, src, false)
	}
	if st := h.Stats(); st.LastError != "device gone" || st.Online {
		t.Fatalf("stats after failures: %+v", st)
	}
	s.Close()
	h.Close()
	for len(src.running) > 0 {
		<-src.running
	}
}

func TestStatsOnlineAndSubscribers(t *testing.T) {
	src := newFakeSource()
	h := NewHub(HubConfig{Source: src, Grace: -1})
	defer h.Close()
	s := h.Subscribe()
	defer s.Close()
	waitRunning(t, src, true)
	src.emit(1)
	st := h.Stats()
	if !st.Running || !st.Online || st.Subscribers != 1 || st.Frames != 1 || st.Source.Kind != "fake" {
		t.Fatalf("stats: %+v", st)
	}
}

// signalSource is a fakeSource that says its camera is gone.
type signalSource struct{ *fakeSource }

func (signalSource) Signal() bool { return false }

func TestStatsOfflineWhenSourceReportsNoSignal(t *testing.T) {
	src := signalSource{newFakeSource()}
	h := NewHub(HubConfig{Source: src, Grace: -1})
	defer h.Close()
	s := h.Subscribe()
	defer s.Close()
	waitRunning(t, src.fakeSource, true)
	src.emit(1)
	if st := h.Stats(); st.Online || !st.Running || st.Frames != 1 {
		t.Fatalf("placeholder frames must not count as online: %+v", st)
	}
}

// TestHubSetSourceSwitchesLiveViewers: switching cameras stops the old
// source and starts the new one at once, and a subscriber keeps receiving,
// now the new source's frames; an idle hub only remembers the choice.
func TestHubSetSourceSwitchesLiveViewers(t *testing.T) {
	a, b := newFakeSource(), newFakeSource()
	h := NewHub(HubConfig{Source: a, Grace: -1})
	defer h.Close()
	s := h.Subscribe()
	defer s.Close()
	waitRunning(t, a, true)
	a.emit(1)
	if f := s.Take(); f == nil || f.JPEG()[2] != 1 {
		t.Fatalf("first frame from a: %v", f)
	}

	h.SetSource(b)
	waitRunning(t, a, false)
	waitRunning(t, b, true)
	if h.Source() != b || h.Latest() != nil {
		t.Fatalf("after the switch: source %v, latest %v (a stale frame of the old camera)", h.Source(), h.Latest())
	}
	b.emit(3)
	if f := s.Take(); f == nil || f.Seq() != 3 || s.Dropped() != 2 {
		t.Fatalf("the subscriber got %v (dropped %d), want b's third frame", f, s.Dropped())
	}

	s.Close()
	waitRunning(t, b, false)
	h.SetSource(a) // idle: nothing starts
	if st := h.Stats(); st.Running || a.starts.Load() != 1 {
		t.Fatalf("SetSource on an idle hub started the source: %+v, %d starts", st, a.starts.Load())
	}
}
