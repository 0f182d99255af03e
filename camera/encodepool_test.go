package camera

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// smoothRGBA is a gradient with gentle colour waves: smooth enough that a
// q=90 JPEG of any subsampling stays well above 30 dB.
func smoothRGBA(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		x, y := i/4%w, i/4/w
		copy(img.Pix[i:], []byte{uint8(x * 255 / w), uint8(y * 255 / h), uint8(128 + 100*math.Sin(float64(x+y)/17)), 255})
	}
	return img
}

// toRaw converts img (Rect at the origin) to the camera layout f with
// stride bytes per row of the first plane (0: packed), chroma averaged over
// each subsampled block.
func toRaw(img *image.RGBA, f RawFormat, stride int) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	ycc := make([][3]int, w*h)
	for i := range ycc {
		y, cb, cr := color.RGBToYCbCr(img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2])
		ycc[i] = [3]int{int(y), int(cb), int(cr)}
	}
	// c is channel ch averaged over the dx x dy block at (x, y).
	c := func(ch, x, y, dx, dy int) byte {
		sum := 0
		for j := range dy {
			for i := range dx {
				sum += ycc[(y+j)*w+x+i][ch]
			}
		}
		return byte((sum + dx*dy/2) / (dx * dy))
	}
	if f == RawYUYV {
		stride = max(stride, 2*w)
		out := make([]byte, stride*h)
		for y := range h {
			for x := 0; x < w; x += 2 {
				copy(out[y*stride+2*x:], []byte{c(0, x, y, 1, 1), c(1, x, y, 2, 1), c(0, x+1, y, 1, 1), c(2, x, y, 2, 1)})
			}
		}
		return out
	}
	// 4:2:0: the Y plane, then NV12's interleaved or YU12's separate chroma.
	stride = max(stride, w)
	cs := stride / 2
	out := make([]byte, stride*h*3/2)
	for y := range h {
		for x := range w {
			out[y*stride+x] = c(0, x, y, 1, 1)
		}
	}
	uv := out[stride*h:]
	for y := 0; y < h; y += 2 {
		for x := 0; x < w; x += 2 {
			u, v := c(1, x, y, 2, 2), c(2, x, y, 2, 2)
			if f == RawNV12 {
				uv[y/2*stride+x], uv[y/2*stride+x+1] = u, v
			} else {
				uv[y/2*cs+x/2], uv[cs*h/2+y/2*cs+x/2] = u, v
			}
		}
	}
	return out
}

// psnr compares the RGB channels of want and got.
func psnr(want *image.RGBA, got image.Image) float64 {
	g := image.NewRGBA(want.Rect)
	draw.Draw(g, g.Rect, got, got.Bounds().Min, draw.Src)
	var se float64
	for i := range want.Pix {
		if d := float64(want.Pix[i]) - float64(g.Pix[i]); i%4 != 3 {
			se += d * d
		}
	}
	return 10 * math.Log10(255*255*float64(len(want.Pix)*3/4)/max(se, 1e-10))
}

// runPool runs p until the returned stop is called; stop waits for Run.
func runPool(t testing.TB, p *EncodePool) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
}

// frameChan makes a Publish func delivering into a channel, and a receive
// that fails the test after a timeout.
func frameChan(t *testing.T) (publish func(*Frame), next func() *Frame) {
	ch := make(chan *Frame, 16)
	return func(f *Frame) { ch <- f }, func() *Frame {
		select {
		case f := <-ch:
			return f
		case <-time.After(5 * time.Second):
			t.Fatal("no frame published")
			return nil
		}
	}
}

func TestEncodePoolFormats(t *testing.T) {
	for _, tc := range []struct {
		f      RawFormat
		stride int
	}{
		{RawYUYV, 0}, {RawYUYV, 2*160 + 64}, {RawNV12, 0}, {RawNV12, 192}, {RawYU12, 0}, {RawYU12, 192},
	} {
		t.Run(fmt.Sprintf("%v/stride=%d", tc.f, tc.stride), func(t *testing.T) {
			const w, h = 160, 120
			src := smoothRGBA(w, h)
			publish, next := frameChan(t)
			p := NewEncodePool(EncodePoolConfig{Workers: 2, Quality: 90, Publish: publish,
				OnError: func(err error) { t.Error(err) }})
			defer runPool(t, p)()
			at := time.Unix(1700000000, 0)
			p.Submit(RawFrame{Data: toRaw(src, tc.f, tc.stride), Width: w, Height: h, Stride: tc.stride, Format: tc.f, Seq: 9, Captured: at})
			if f := next(); f.Width() != w || f.Height() != h || f.Seq() != 9 || !f.Captured().Equal(at) {
				t.Fatalf("frame %dx%d seq %d at %v", f.Width(), f.Height(), f.Seq(), f.Captured())
			} else if got, err := jpeg.Decode(bytes.NewReader(f.JPEG())); err != nil {
				t.Fatal(err)
			} else if q := psnr(src, got); q < 30 {
				t.Fatalf("PSNR %.1f dB < 30", q)
			}
		})
	}
}

func TestEncodePoolOrderAndLatestWins(t *testing.T) {
	const n = 200
	// got has no lock on purpose: Publish must be serialized (-race checks
	// it) and got is read after Run returned.
	var (
		got    []uint64
		onDrop atomic.Uint64
		last   = make(chan struct{})
	)
	p := NewEncodePool(EncodePoolConfig{Workers: 3, Quality: 70,
		Publish: func(f *Frame) {
			got = append(got, f.Seq())
			if f.Seq() == n {
				close(last)
			}
		},
		OnDrop:  func() { onDrop.Add(1) },
		OnError: func(err error) { t.Error(err) },
	})
	// Slow, and slowest for the oldest of each three: frames started in
	// order finish in reverse, so publishing in order needs the reordering.
	var started atomic.Int64
	p.encodeHook = func(f *RawFrame) {
		started.Add(1)
		time.Sleep(time.Duration(3-f.Seq%3) * time.Millisecond)
	}
	stop := runPool(t, p)
	raw := toRaw(smoothRGBA(64, 48), RawYUYV, 0)
	for seq := uint64(1); seq <= n; seq++ {
		b := p.Buffer(len(raw))
		copy(b, raw)
		p.Submit(RawFrame{Data: b, Width: 64, Height: 48, Format: RawYUYV, Seq: seq, Captured: time.Now()})
		if seq%8 == 0 {
			time.Sleep(time.Millisecond) // let workers pick some up
		}
	}
	select {
	case <-last:
	case <-time.After(10 * time.Second):
		t.Fatal("the last submitted frame was never published")
	}
	stop()
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("published out of order: %d after %d", got[i], got[i-1])
		}
	}
	if d := p.Dropped(); d == 0 || d != onDrop.Load() || uint64(len(got))+d != n {
		t.Fatalf("published %d, Dropped() %d, OnDrop calls %d; want drops > 0 and a total of %d", len(got), d, onDrop.Load(), n)
	}
	// Reordered, not dropped: every frame a worker encoded reached viewers.
	if s := started.Load(); s != int64(len(got)) {
		t.Fatalf("%d frames encoded but %d published", s, len(got))
	}
	t.Logf("published %d of %d, dropped %d", len(got), n, p.Dropped())
}

func TestEncodePoolRunLifecycle(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	if err := NewEncodePool(EncodePoolConfig{}).Run(context.Background()); err == nil {
		t.Fatal("Run without Publish succeeded")
	}
	publish, next := frameChan(t)
	var errs atomic.Int32
	p := NewEncodePool(EncodePoolConfig{Workers: 4, Publish: publish, OnError: func(error) { errs.Add(1) }})
	raw := toRaw(smoothRGBA(32, 32), RawNV12, 0)
	for run := range 2 { // a stopped pool can run again, with a fresh sequence
		stop := runPool(t, p)
		short, odd := bytes.Clone(raw[:10]), bytes.Clone(raw)
		p.Submit(RawFrame{Data: short, Width: 32, Height: 32, Format: RawNV12, Seq: 1})
		p.Submit(RawFrame{Data: odd, Width: 32, Height: 32, Format: RawFormat(99), Seq: 2})
		time.Sleep(20 * time.Millisecond)
		buf := p.Buffer(len(raw))
		copy(buf, raw)
		p.Submit(RawFrame{Data: buf, Width: 32, Height: 32, Format: RawNV12, Seq: 3})
		if f := next(); f.Seq() != 3 {
			t.Fatalf("run %d: published seq %d, want 3", run, f.Seq())
		}
		// Every submitted buffer came back: the next ones are recycled.
		for range 2 {
			if b := p.Buffer(len(raw)); &b[0] != &buf[0] && &b[0] != &odd[0] {
				t.Errorf("run %d: Buffer allocated instead of recycling", run)
			}
		}
		if err := p.Run(context.Background()); err == nil {
			t.Fatal("second concurrent Run succeeded")
		}
		stop()
	}
	if errs.Load() == 0 {
		t.Error("bad frames reported no error")
	}
	goleak.VerifyNone(t, opt)
}

func TestRawFormatString(t *testing.T) {
	for f, want := range map[RawFormat]string{RawYUYV: "YUYV", RawNV12: "NV12", RawYU12: "YU12", 0: "RawFormat(0)", 7: "RawFormat(7)"} {
		if got := f.String(); got != want {
			t.Errorf("%d: %q, want %q", int(f), got, want)
		}
	}
}

// BenchmarkEncodePoolYUYV1080p measures sustained 1080p YUYV throughput
// (copy into a pool buffer, split, encode, publish in order) by worker count.
func BenchmarkEncodePoolYUYV1080p(b *testing.B) {
	const w, h = 1920, 1080
	img := newPatternPainter(w, h).paint(5, 30, time.Unix(0, 0))
	seed := uint32(0x9e3779b9)
	for i := range img.Pix { // camera-like sensor noise, so entropy coding costs what it does live
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		img.Pix[i] = uint8(min(max(int(img.Pix[i])+int(seed%17)-8, 0), 255))
	}
	raw := toRaw(img, RawYUYV, 0)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			// One token for the pending slot, returned when a worker takes
			// the frame: the pool runs flat out without latest-wins drops.
			token := make(chan struct{}, 1)
			var published atomic.Int64
			p := NewEncodePool(EncodePoolConfig{Workers: workers, Quality: 80,
				Publish: func(*Frame) { published.Add(1) },
				OnError: func(err error) { b.Error(err) }})
			p.encodeHook = func(*RawFrame) { <-token }
			stop := runPool(b, p)
			start, seq := time.Now(), uint64(0)
			for b.Loop() {
				token <- struct{}{}
				seq++
				buf := p.Buffer(len(raw))
				copy(buf, raw)
				p.Submit(RawFrame{Data: buf, Width: w, Height: h, Format: RawYUYV, Seq: seq})
			}
			for uint64(published.Load())+p.Dropped() < seq {
				time.Sleep(100 * time.Microsecond)
			}
			b.ReportMetric(float64(published.Load())/time.Since(start).Seconds(), "frames/s")
			b.ReportMetric(float64(p.Dropped()), "drops")
			stop()
		})
	}
}
