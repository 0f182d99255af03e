package camera

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"lancam/camera/tjpeg"
)

// RawFormat is the pixel layout of a RawFrame, named after its V4L2 fourcc,
// because the capture side knows frames by those names.
type RawFormat int

// The raw layouts the pool encodes without an RGB detour.
const (
	RawYUYV RawFormat = iota + 1 // packed 4:2:2 Y0 U Y1 V; encoded as 4:2:2
	RawNV12                      // Y plane, then interleaved U/V rows; encoded as 4:2:0
	RawYU12                      // I420: Y, U, V planes; encoded as 4:2:0
)

var rawFormatNames = [...]string{RawYUYV: "YUYV", RawNV12: "NV12", RawYU12: "YU12"}

// String names the format as V4L2 tools do, for logs and /status.
func (f RawFormat) String() string {
	if f >= RawYUYV && int(f) < len(rawFormatNames) {
		return rawFormatNames[f]
	}
	return fmt.Sprintf("RawFormat(%d)", int(f))
}

// RawFrame is one captured picture awaiting encoding. Submit hands Data to
// the pool (the caller must not touch it again), which recycles it for
// Buffer once encoded or dropped: a capture loop copying each driver buffer
// into Buffer(n) makes one copy and, in steady state, no allocation.
type RawFrame struct {
	Data          []byte
	Width, Height int
	// Stride is the bytes per row of the first plane (V4L2 bytesperline);
	// 0 means tightly packed. YU12 chroma rows are half of it, rounded up.
	Stride   int
	Format   RawFormat
	Seq      uint64    // must grow; a frame not newer than a published one is dropped
	Captured time.Time // copied to the Frame for latency headers
}

// EncodePoolConfig configures an EncodePool.
type EncodePoolConfig struct {
	Workers int          // encoding goroutines; 0 means runtime.NumCPU()
	Quality int          // JPEG quality 1..100; 0 means 80
	Publish func(*Frame) // required: frames in Seq order, one call at a time, only during Run
	OnDrop  func()       // optional: once per frame overtaken by a newer one (any goroutine)
	OnError func(error)  // optional: why a frame could not be encoded (it is skipped)
}

// EncodePool encodes raw frames on several cores and publishes them in
// capture order, latest wins: a camera outpacing one core must cost
// dropped frames, never growing latency. It holds one pending frame: when
// every worker is busy, a new frame replaces the pending one. It does no
// work and owns no goroutine outside Run.
type EncodePool struct {
	cfg     EncodePoolConfig
	kick    chan struct{} // wakes one idle worker; capacity 1
	free    chan []byte   // recycled RawFrame.Data
	dropped atomic.Uint64
	running atomic.Bool

	mu         sync.Mutex
	pending    RawFrame
	hasPending bool
	inflight   []*encodeSlot // started frames, in start order
	outbox     []*Frame      // encoded, in order, awaiting Publish
	publishing bool          // a worker is draining outbox
	minSeq     uint64        // the lowest Seq that may still be published

	encodeHook func(*RawFrame) // tests: runs in the worker before encoding
}

// encodeSlot is a started frame's place in the publishing order; frame
// stays nil if encoding failed.
type encodeSlot struct {
	done  bool
	frame *Frame
}

// NewEncodePool applies the defaults; nothing runs until Run.
func NewEncodePool(cfg EncodePoolConfig) *EncodePool {
	cfg.Workers = cmp.Or(max(cfg.Workers, 0), runtime.NumCPU())
	cfg.Quality = cmp.Or(cfg.Quality, 80)
	return &EncodePool{cfg: cfg, kick: make(chan struct{}, 1),
		free: make(chan []byte, cfg.Workers+2)}
}

// Run starts the workers and blocks until ctx ends, then waits for them, so
// nothing is published after it returns. Each worker owns a tjpeg.Encoder and
// its plane buffers for the duration. It returns nil when ctx ends; an error
// only if it cannot start.
func (p *EncodePool) Run(ctx context.Context) error {
	if p.cfg.Publish == nil {
		return errors.New("encode pool: no Publish func")
	}
	if !p.running.CompareAndSwap(false, true) {
		return errors.New("encode pool: already running")
	}
	defer p.reset()
	ctx, cancel := context.WithCancel(ctx) // also stops workers if one can't start
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	for range p.cfg.Workers {
		enc, err := tjpeg.NewEncoder()
		if err != nil {
			return err
		}
		wg.Go(func() {
			defer enc.Close()
			p.work(ctx, &encodeWorker{enc: enc})
		})
	}
	<-ctx.Done()
	return nil
}

// reset forgets the run's state: a restarted source starts a fresh sequence
// and must not get a stale frame from before.
func (p *EncodePool) reset() {
	p.mu.Lock()
	old := p.pending
	p.hasPending, p.pending, p.minSeq = false, RawFrame{}, 0
	p.inflight, p.outbox, p.publishing = nil, nil, false
	p.mu.Unlock()
	p.recycle(old.Data) // a no-op when nothing was pending
	p.running.Store(false)
}

// Buffer returns a slice of length n for the caller to fill (the one copy
// out of the driver's buffer), recycled from an earlier frame when one is
// free and big enough.
func (p *EncodePool) Buffer(n int) []byte {
	select {
	case b := <-p.free:
		if cap(b) >= n {
			return b[:n]
		}
	default:
	}
	return make([]byte, n)
}

// recycle keeps b for Buffer. The free list holds what a steady stream
// needs (one per worker, the pending frame, the one being filled); beyond
// that, or after a size change, buffers go to the garbage collector.
func (p *EncodePool) recycle(b []byte) {
	if cap(b) > 0 {
		select {
		case p.free <- b:
		default:
		}
	}
}

// Submit hands a filled RawFrame to the pool without blocking. If a frame is
// still pending (every worker busy), f replaces it and the old one counts as
// dropped: viewers want the newest picture, not a queue.
func (p *EncodePool) Submit(f RawFrame) {
	p.mu.Lock()
	old, replaced := p.pending.Data, p.hasPending
	p.pending, p.hasPending = f, true
	p.mu.Unlock()
	if replaced {
		p.recycle(old)
		p.drop()
	}
	select {
	case p.kick <- struct{}{}:
	default: // a wake-up is already waiting
	}
}

// Dropped counts frames submitted but never to be published, for /status.
func (p *EncodePool) Dropped() uint64 { return p.dropped.Load() }

func (p *EncodePool) drop() {
	p.dropped.Add(1)
	if p.cfg.OnDrop != nil {
		p.cfg.OnDrop()
	}
}

func (p *EncodePool) work(ctx context.Context, w *encodeWorker) {
	for ctx.Err() == nil {
		f, slot, ok := p.take()
		if !ok {
			select {
			case <-ctx.Done():
			case <-p.kick:
			}
			continue
		}
		if p.encodeHook != nil {
			p.encodeHook(&f)
		}
		out, err := w.encode(&f, p.cfg.Quality)
		p.recycle(f.Data)
		if err != nil && p.cfg.OnError != nil {
			p.cfg.OnError(fmt.Errorf("encode pool: frame %d: %w", f.Seq, err))
		}
		p.finish(ctx, slot, out)
	}
}

// take moves the pending frame to the in-flight list, which fixes its place
// in the publishing order.
func (p *EncodePool) take() (f RawFrame, s *encodeSlot, ok bool) {
	p.mu.Lock()
	if f, ok = p.pending, p.hasPending; ok {
		s = &encodeSlot{}
		p.pending, p.hasPending = RawFrame{}, false
		p.inflight = append(p.inflight, s)
	}
	p.mu.Unlock()
	return f, s, ok
}

// finish records an encoded frame and publishes every frame that is now
// complete at the head of the in-flight list. Whichever worker finds no one
// publishing becomes the publisher and drains the outbox, so Publish runs on
// one goroutine at a time, in order, without holding the lock Submit needs.
func (p *EncodePool) finish(ctx context.Context, s *encodeSlot, f *Frame) {
	p.mu.Lock()
	s.done, s.frame = true, f
	n := 0
	for n < len(p.inflight) && p.inflight[n].done {
		if fr := p.inflight[n].frame; fr != nil {
			p.outbox = append(p.outbox, fr)
		}
		n++
	}
	p.inflight = append(p.inflight[:0], p.inflight[n:]...)
	for !p.publishing && len(p.outbox) > 0 {
		fr := p.outbox[0]
		p.outbox = append(p.outbox[:0], p.outbox[1:]...)
		stale := fr.Seq() < p.minSeq
		if !stale {
			p.minSeq = fr.Seq() + 1
		}
		p.publishing = true
		p.mu.Unlock()
		if stale {
			p.drop()
		} else if ctx.Err() == nil {
			p.cfg.Publish(fr)
		}
		p.mu.Lock()
		p.publishing = false
	}
	p.mu.Unlock()
}

// encodeWorker is one worker's private state: nothing here is shared, so
// encoding needs no lock.
type encodeWorker struct {
	enc     *tjpeg.Encoder
	y, u, v []byte
}

func (w *encodeWorker) encode(f *RawFrame, quality int) (*Frame, error) {
	var y, u, v []byte
	strides, sub := [3]int{}, tjpeg.Subsamp420
	// Bad sizes give nil planes, which EncodeYUVPlanes rejects by name.
	switch f.Format {
	case RawYUYV:
		w.y, w.u, w.v = tjpeg.SplitYUYV(f.Data, f.Width, f.Height, f.Stride, w.y, w.u, w.v)
		y, u, v, sub = w.y, w.u, w.v, tjpeg.Subsamp422
	case RawNV12:
		w.y, w.u, w.v = tjpeg.SplitNV12(f.Data, f.Width, f.Height, f.Stride, w.y, w.u, w.v)
		y, u, v = w.y, w.u, w.v
	case RawYU12: // encoded straight from the capture buffer
		st := cmp.Or(f.Stride, f.Width)
		cst := (st + 1) / 2
		yLen, cLen := st*f.Height, cst*((f.Height+1)/2)
		if f.Width <= 0 || f.Height <= 0 || st < f.Width || len(f.Data) < yLen+2*cLen {
			return nil, fmt.Errorf("YU12 %dx%d stride %d: %d bytes, too short", f.Width, f.Height, st, len(f.Data))
		}
		y, u, v, strides = f.Data, f.Data[yLen:], f.Data[yLen+cLen:], [3]int{st, cst, cst}
	default:
		return nil, fmt.Errorf("unknown raw format %v", f.Format)
	}
	jpg, err := w.enc.EncodeYUVPlanes(nil, y, u, v, strides, f.Width, f.Height, sub, quality)
	if err != nil {
		return nil, err
	}
	return NewFrame(jpg, f.Width, f.Height, f.Seq, f.Captured), nil
}
