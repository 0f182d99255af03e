package uvc

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"lancam/camera"
)

// testJPEG is a real JPEG with Huffman tables (FixMJPEG passes it through).
func testJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fakeWorld is a camera that tests plug, unplug, stall and corrupt.
type fakeWorld struct {
	mu      sync.Mutex
	plugged bool
	paused  bool     // stalled: Read times out
	paths   []string // where the camera can be opened
	neg     negotiated
	data    []byte // what every Read returns
	errFlag bool
	failIO  bool // Read fails with EIO right after every open
	opens   []string
	live    atomic.Int32 // devices open right now
	reads   atomic.Int64
}

func newFakeWorld(data []byte, n negotiated, paths ...string) *fakeWorld {
	return &fakeWorld{plugged: true, paths: paths, neg: n, data: data}
}

func (w *fakeWorld) set(f func(w *fakeWorld)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(w)
}

func (w *fakeWorld) openCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.opens)
}

func (w *fakeWorld) open(path string, _ wish) (device, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.plugged {
		return nil, syscall.ENOENT
	}
	found := false
	for _, p := range w.paths {
		found = found || p == path
	}
	if !found {
		return nil, syscall.ENOENT
	}
	w.opens = append(w.opens, path)
	w.live.Add(1)
	return &fakeDev{w: w}, nil
}

type fakeDev struct {
	w      *fakeWorld
	closed bool
}

func (d *fakeDev) Negotiated() negotiated { return d.w.neg }

func (d *fakeDev) Read(timeout time.Duration) (buffer, error) {
	if d.closed {
		panic("Read after Close")
	}
	time.Sleep(min(timeout, 2*time.Millisecond)) // ~500 fps at most
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	switch {
	case !d.w.plugged:
		return buffer{}, syscall.ENODEV
	case d.w.failIO:
		return buffer{}, syscall.EIO
	case d.w.paused:
		return buffer{}, errNoFrame
	}
	d.w.reads.Add(1)
	return buffer{data: d.w.data, errFlag: d.w.errFlag, captured: time.Now()}, nil
}

func (d *fakeDev) Close() error {
	if d.closed {
		panic("double Close")
	}
	d.closed = true
	d.w.live.Add(-1)
	return nil
}

// sink collects published frames and tells camera frames from NO SIGNAL
// cards by their bytes.
type sink struct {
	mu       sync.Mutex
	camera   []byte
	frames   int
	noSignal int
	lastSeq  uint64
	badOrder bool
	sizes    map[[2]int]int
}

func (s *sink) publish(f *camera.Frame) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Seq() <= s.lastSeq {
		s.badOrder = true
	}
	s.lastSeq = f.Seq()
	if bytes.Equal(f.JPEG(), s.camera) {
		s.frames++
	} else {
		s.noSignal++
	}
	if s.sizes == nil {
		s.sizes = map[[2]int]int{}
	}
	s.sizes[[2]int{f.Width(), f.Height()}]++
}

func (s *sink) counts() (frames, noSignal int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.frames, s.noSignal
}

// waitFor polls cond for up to 3 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
