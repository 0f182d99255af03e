package camera

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"time"

	"lancam/camera/tjpeg"
)

// TestPatternConfig configures the built-in test pattern.
type TestPatternConfig struct {
	Width, Height int
	FPS           float64
	Quality       int // JPEG quality 1..100
}

// TestPattern is a synthetic camera: colour bars, a bar that sweeps across
// every frame and a box that bounces, plus the frame number and wall clock,
// so a viewer can tell at a glance that the stream is live and how late it is.
type TestPattern struct {
	cfg TestPatternConfig
}

// NewTestPattern checks the configuration; nothing runs until Run.
func NewTestPattern(cfg TestPatternConfig) (*TestPattern, error) {
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	if cfg.FPS <= 0 || cfg.FPS > 240 {
		return nil, fmt.Errorf("test pattern: fps %g out of range 0..240", cfg.FPS)
	}
	if cfg.Quality < 1 || cfg.Quality > 100 {
		return nil, fmt.Errorf("test pattern: quality %d out of range 1..100", cfg.Quality)
	}
	return &TestPattern{cfg: cfg}, nil
}

// Info describes the pattern for /status.
func (p *TestPattern) Info() SourceInfo {
	return SourceInfo{Kind: "test", Device: "test pattern", Format: "RGB→JPEG",
		Width: p.cfg.Width, Height: p.cfg.Height, FPS: p.cfg.FPS}
}

// Run draws and encodes frames at the configured rate until ctx ends. The
// encoder and pixel buffers live only while it runs: nobody watching means
// no memory held and no CPU spent.
func (p *TestPattern) Run(ctx context.Context, publish func(*Frame)) error {
	enc, err := tjpeg.NewEncoder()
	if err != nil {
		return err
	}
	defer enc.Close()
	pr := newPatternPainter(p.cfg.Width, p.cfg.Height)
	tick := time.NewTicker(time.Duration(float64(time.Second) / p.cfg.FPS))
	defer tick.Stop()
	var seq uint64
	for {
		seq++
		now := time.Now()
		img := pr.paint(seq, p.cfg.FPS, now)
		// nil dst: the bytes become an immutable Frame shared by everyone.
		jpg, err := enc.EncodeRGBA(nil, img, tjpeg.Subsamp420, p.cfg.Quality)
		if err != nil {
			return err
		}
		publish(NewFrame(jpg, p.cfg.Width, p.cfg.Height, seq, now))
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func checkSize(w, h int) error {
	if w < 16 || h < 16 || w > 7680 || h > 4320 {
		return fmt.Errorf("size %dx%d out of range 16x16..7680x4320", w, h)
	}
	return nil
}

// patternPainter keeps the static background and reuses one frame buffer,
// so a frame costs one memcpy plus the moving parts.
type patternPainter struct {
	bg, img *image.RGBA
	text    *bitmapText
	scale   int
}

var bars = []color.RGBA{
	{192, 192, 192, 255}, {192, 192, 0, 255}, {0, 192, 192, 255}, {0, 192, 0, 255},
	{192, 0, 192, 255}, {192, 0, 0, 255}, {0, 0, 192, 255}, {16, 16, 16, 255},
}

func newPatternPainter(w, h int) *patternPainter {
	bg := image.NewRGBA(image.Rect(0, 0, w, h))
	barsEnd := h * 2 / 3
	for y := range h {
		row := bg.Pix[y*bg.Stride : y*bg.Stride+4*w]
		for x := range w {
			var c color.RGBA
			if y < barsEnd {
				c = bars[x*len(bars)/w]
			} else { // grey ramp: shows banding and JPEG quality
				v := uint8(x * 255 / max(w-1, 1))
				c = color.RGBA{v, v, v, 255}
			}
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = c.R, c.G, c.B, 255
		}
	}
	return &patternPainter{bg: bg, img: image.NewRGBA(bg.Rect), text: newBitmapText(), scale: max(1, h/240)}
}

func (p *patternPainter) paint(seq uint64, fps float64, now time.Time) *image.RGBA {
	copy(p.img.Pix, p.bg.Pix)
	w, h := p.img.Rect.Dx(), p.img.Rect.Dy()
	// A sweep that crosses the picture every two seconds: motion every frame.
	period := max(int(2*fps), 2)
	bw := max(w/64, 2)
	x0 := int(seq%uint64(period)) * (w - bw) / (period - 1)
	fill(p.img, image.Rect(x0, 0, x0+bw, h*2/3), color.RGBA{255, 255, 255, 255})
	// A box bouncing vertically, out of phase with the sweep.
	bs := max(h/8, 4)
	span := h*2/3 - bs
	pos := int(seq*uint64(max(h/90, 1))) % max(2*span, 1)
	if pos > span {
		pos = 2*span - pos
	}
	bx := w/2 - bs/2
	fill(p.img, image.Rect(bx, pos, bx+bs, pos+bs), color.RGBA{255, 64, 0, 255})

	line := fmt.Sprintf("lancam #%06d  %s", seq, now.Format("2006-01-02 15:04:05.000"))
	p.drawText(line, w/40, h*2/3+h/24)
	return p.img
}

// drawText writes s in white on a black box, readable over any background.
func (p *patternPainter) drawText(s string, x, y int) {
	sc := p.scale
	tw, th := p.text.render(s)
	fill(p.img, image.Rect(x-sc, y-sc, x+tw*sc+sc, y+th*sc+sc), color.RGBA{0, 0, 0, 255})
	p.text.blit(p.img, tw, x, y, sc, color.RGBA{255, 255, 255, 255})
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[y*img.Stride:]
		for x := r.Min.X; x < r.Max.X; x++ {
			o := 4 * x
			row[o], row[o+1], row[o+2], row[o+3] = c.R, c.G, c.B, c.A
		}
	}
}
