package camera

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// fakeSource publishes a frame each time the test sends on step, so tests
// control timing exactly; it records starts and stops.
type fakeSource struct {
	step    chan struct{}
	stepped chan struct{} // receives after each publish returned
	starts  atomic.Int32
	stops   atomic.Int32
	running chan bool // receives true on start, false on stop
	fail    error     // returned at once by Run when set
	mu      sync.Mutex
	seq     uint64
}

func newFakeSource() *fakeSource {
	return &fakeSource{step: make(chan struct{}), stepped: make(chan struct{}), running: make(chan bool, 16)}
}

func (s *fakeSource) Info() SourceInfo {
	return SourceInfo{Kind: "fake", Width: 4, Height: 4, FPS: 30}
}

func (s *fakeSource) Run(ctx context.Context, publish func(*Frame)) error {
	s.starts.Add(1)
	s.running <- true
	defer func() { s.stops.Add(1); s.running <- false }()
	if s.fail != nil {
		return s.fail
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.step:
			s.mu.Lock()
			s.seq++
			seq := s.seq
			s.mu.Unlock()
			publish(NewFrame([]byte{0xff, 0xd8, byte(seq), 0xff, 0xd9}, 4, 4, seq, time.Now()))
			s.stepped <- struct{}{}
		}
	}
}

// emit makes the source publish n frames and returns once the last publish
// returned, so every subscriber's mailbox already holds it.
func (s *fakeSource) emit(n int) {
	for range n {
		s.step <- struct{}{}
		<-s.stepped
	}
}
