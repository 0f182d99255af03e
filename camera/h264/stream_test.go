package h264

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"lancam/camera"
)

// stepSource publishes a frame each time the test sends on step.
type stepSource struct {
	step    chan struct{}
	running chan bool
}

func newStepSource() *stepSource {
	return &stepSource{step: make(chan struct{}), running: make(chan bool, 16)}
}

func (s *stepSource) Info() camera.SourceInfo {
	return camera.SourceInfo{Kind: "step", Width: 16, Height: 16}
}

func (s *stepSource) Run(ctx context.Context, publish func(*camera.Frame)) error {
	s.running <- true
	defer func() { s.running <- false }()
	var seq uint64
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.step:
			seq++
			publish(camera.NewFrame([]byte{0xff, 0xd8, byte(seq), 0xff, 0xd9}, 16, 16, seq, time.Now()))
		}
	}
}

// fakeEncoder emits one access unit per frame: a key one when asked (and
// first), else a delta; it can be told to fail.
type fakeEncoder struct {
	cfg    Config
	first  bool
	failAt uint64 // fail Encode of the frame with this seq
	closed chan struct{}
}

func (e *fakeEncoder) Encode(f *camera.Frame, key bool) error {
	if f.Seq() == e.failAt {
		return errors.New("encoder broke")
	}
	key = key || !e.first
	e.first = true
	e.cfg.Emit(AccessUnit{Data: []byte{0, 0, 0, 1, 0x65}, Key: key, Seq: f.Seq(), Captured: f.Captured()})
	return nil
}
func (e *fakeEncoder) Name() string { return "fake" }
func (e *fakeEncoder) Close() error { close(e.closed); return nil }

// encoderLog records the fake encoders a stream made.
type encoderLog struct {
	mu     sync.Mutex
	made   []*fakeEncoder
	failAt uint64
}

func (l *encoderLog) newEncoder(c Config) (Encoder, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := &fakeEncoder{cfg: c, failAt: l.failAt, closed: make(chan struct{})}
	l.made = append(l.made, e)
	return e, nil
}

func (l *encoderLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.made)
}

func newTestStream(t *testing.T, failAt uint64) (*Stream, *stepSource, *camera.Hub, *encoderLog) {
	t.Helper()
	src := newStepSource()
	hub := camera.NewHub(camera.HubConfig{Source: src, Grace: -1})
	log := &encoderLog{failAt: failAt}
	s := NewStream(StreamConfig{Hub: hub, NewEncoder: log.newEncoder})
	t.Cleanup(func() { s.Close(); hub.Close() })
	return s, src, hub, log
}

func next(t *testing.T, v *Viewer) AccessUnit {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	au, err := v.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return au
}

func TestStreamRunsOnlyWithViewers(t *testing.T) {
	s, src, _, log := newTestStream(t, 0)
	select {
	case <-src.running:
		t.Fatal("the camera started with no H.264 viewer")
	case <-time.After(50 * time.Millisecond):
	}
	v := s.Subscribe()
	if !<-src.running {
		t.Fatal("want the camera started")
	}
	src.step <- struct{}{}
	if au := next(t, v); !au.Key || au.Seq != 1 {
		t.Fatalf("first access unit %+v, want the key picture of frame 1", au)
	}
	src.step <- struct{}{}
	if au := next(t, v); au.Key || au.Seq != 2 {
		t.Fatalf("second access unit %+v, want a delta of frame 2", au)
	}
	if st := s.Stats(); st.Viewers != 1 || st.Frames != 2 || st.Encoder != "fake" {
		t.Fatalf("stats %+v", st)
	}
	v.Close()
	if <-src.running {
		t.Fatal("want the camera stopped")
	}
	<-log.made[0].closed // the encoder is closed with the last viewer
	if _, err := v.Next(context.Background()); !errors.Is(err, ErrStreamClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
}

// A second viewer joins with a key picture; the first goes on undisturbed.
func TestStreamJoinGetsKeyPicture(t *testing.T) {
	s, src, _, _ := newTestStream(t, 0)
	a := s.Subscribe()
	defer a.Close()
	<-src.running
	src.step <- struct{}{}
	next(t, a)
	src.step <- struct{}{}
	next(t, a)
	b := s.Subscribe()
	defer b.Close()
	src.step <- struct{}{}
	if au := next(t, b); !au.Key || au.Seq != 3 {
		t.Fatalf("joining viewer got %+v, want the key picture of frame 3", au)
	}
	if au := next(t, a); au.Seq != 3 {
		t.Fatalf("first viewer got %+v, want frame 3", au)
	}
}

// A viewer that falls behind skips to the next key picture, which is asked
// for at once, and never gets a delta without its reference.
func TestStreamSlowViewerSkipsToKey(t *testing.T) {
	s, src, _, _ := newTestStream(t, 0)
	fast := s.Subscribe()
	defer fast.Close()
	slow := s.Subscribe()
	defer slow.Close()
	<-src.running
	for i := range viewerQueue + 2 {
		src.step <- struct{}{}
		au := next(t, fast) // the fast one keeps up; the slow one reads nothing
		if i == viewerQueue+1 && !au.Key {
			t.Fatalf("frame %d: want the key picture the overflow asked for, got %+v", au.Seq, au)
		}
	}
	au := next(t, slow)
	if !au.Key || au.Seq != viewerQueue+2 {
		t.Fatalf("slow viewer resumed at %+v, want the key picture of frame %d", au, viewerQueue+2)
	}
	if slow.Dropped() == 0 {
		t.Fatal("want the skipped pictures counted")
	}
}

// A failing encoder is replaced; the viewer resumes with a key picture.
func TestStreamReplacesFailedEncoder(t *testing.T) {
	s, src, _, log := newTestStream(t, 2)
	v := s.Subscribe()
	defer v.Close()
	<-src.running
	src.step <- struct{}{}
	next(t, v)
	src.step <- struct{}{} // fails
	<-log.made[0].closed
	log.mu.Lock()
	log.failAt = 0
	log.mu.Unlock()
	for log.count() < 2 {
		src.step <- struct{}{}
	}
	src.step <- struct{}{}
	au := next(t, v)
	if !au.Key {
		t.Fatalf("after the new encoder: %+v, want a key picture", au)
	}
	if st := s.Stats(); st.Error == "" {
		t.Fatal("want the failure in the stats")
	}
}

func TestStreamCloseEndsViewers(t *testing.T) {
	s, src, _, _ := newTestStream(t, 0)
	v := s.Subscribe()
	<-src.running
	done := make(chan error)
	go func() { _, err := v.Next(context.Background()); done <- err }()
	s.Close()
	if err := <-done; !errors.Is(err, ErrStreamClosed) {
		t.Fatalf("Next after the stream closed: %v", err)
	}
	if w := s.Subscribe(); !w.closed {
		t.Fatal("want Subscribe after Close to give a closed viewer")
	}
}
