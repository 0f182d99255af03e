package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"log/slog"
	"time"

	"lancam/camera/tjpeg"
)

// Picture is how a camera's frames are turned and stamped on their way to
// the hub: rotation by a multiple of 90°, a left-right mirror, and a text
// overlay (a timestamp format, see FormatOverlay).
type Picture struct {
	Rotate  int // 0, 90, 180 or 270, clockwise
	Mirror  bool
	Overlay string // "" for none
	Name    string // what %N in Overlay stands for: the camera's name
	Quality int    // JPEG quality for frames the overlay re-encodes (default 80)
}

// IsZero says whether p leaves frames as they are.
func (p Picture) IsZero() bool { return p.Rotate == 0 && !p.Mirror && p.Overlay == "" }

// Check validates p.
func (p Picture) Check() error {
	if _, err := tjpeg.OpFor(p.Rotate, p.Mirror); err != nil {
		return err
	}
	if len(p.Overlay) > bitmapTextMaxChars*2 {
		return fmt.Errorf("overlay %q: at most %d bytes", p.Overlay, bitmapTextMaxChars*2)
	}
	return nil
}

// WithPicture wraps src so that its frames come out as p says; src itself
// when p changes nothing. The rotation and mirror are lossless when the
// picture is a whole number of JPEG blocks in the direction they move
// (TurboJPEG moves the coefficients, see tjpeg.Transform); otherwise the
// frame is decoded, turned and encoded again, which keeps its full size
// (1080 rows are not whole 16-row blocks: a lossless turn would crop 8).
// The overlay decodes, draws and encodes, so it costs a decode and an
// encode per frame, and is done only when asked for.
func WithPicture(src Source, p Picture, log *slog.Logger) (Source, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if p.IsZero() {
		return src, nil
	}
	if p.Quality <= 0 {
		p.Quality = 80
	}
	if log == nil {
		log = slog.Default()
	}
	op, _ := tjpeg.OpFor(p.Rotate, p.Mirror)
	return &pictureSource{inner: src, pic: p, op: op, log: log}, nil
}

// pictureSource is a Source with a Picture applied.
type pictureSource struct {
	inner Source
	pic   Picture
	op    tjpeg.Op
	log   *slog.Logger
}

// Unwrap gives the camera behind the picture settings (its controls).
func (s *pictureSource) Unwrap() Source { return s.inner }

// Info is the inner source's, with the size as it leaves here.
func (s *pictureSource) Info() SourceInfo {
	in := s.inner.Info()
	if s.op.SwapsAxes() {
		in.Width, in.Height = in.Height, in.Width
	}
	in.Rotate, in.Mirror, in.Overlay = s.pic.Rotate, s.pic.Mirror, s.pic.Overlay
	return in
}

// Signal forwards the camera's NO SIGNAL state.
func (s *pictureSource) Signal() bool {
	if r, ok := s.inner.(SignalReporter); ok {
		return r.Signal()
	}
	return true
}

// Run runs the camera and turns every frame on its goroutine: the hub
// keeps only the newest frame, so there is never a queue of frames to turn.
func (s *pictureSource) Run(ctx context.Context, publish func(*Frame)) error {
	p, err := newPictureWorker(s.pic, s.op)
	if err != nil {
		return err
	}
	p.choice = turnChoice{budget: losslessBudget(s.inner.Info()), log: s.log}
	defer p.close()
	return s.inner.Run(ctx, func(f *Frame) {
		if !s.Signal() {
			publish(f) // a NO SIGNAL card stays upright and readable
			return
		}
		out, err := p.process(f)
		if err != nil {
			p.failures++
			if p.failures == 1 || p.failures%100 == 0 {
				s.log.Warn("picture: frame passed through unchanged", "err", err, "failures", p.failures)
			}
			out = f
		}
		publish(out)
	})
}

// pictureWorker holds one run's TurboJPEG handles and buffers.
type pictureWorker struct {
	pic      Picture
	op       tjpeg.Op
	tr       *tjpeg.Transformer
	dec      *tjpeg.Decoder
	enc      *tjpeg.Encoder
	img      *image.RGBA // decode buffer
	turned   *image.RGBA // turnRGBA's buffer
	text     *bitmapText
	failures int

	choice turnChoice // lossless or pixels, by what each costs
}

// losslessBudget is half a frame interval of the camera: the rest is for
// capture and everything else.
func losslessBudget(in SourceInfo) time.Duration {
	fps := in.FPS
	if in.DeviceFPS > 0 {
		fps = in.DeviceFPS
	}
	if fps <= 0 {
		fps = 30
	}
	return time.Duration(float64(time.Second) / fps / 2)
}

func newPictureWorker(p Picture, op tjpeg.Op) (*pictureWorker, error) {
	w := &pictureWorker{pic: p, op: op}
	var err error
	if op != tjpeg.OpNone {
		if w.tr, err = tjpeg.NewTransformer(); err != nil {
			return nil, err
		}
	}
	// The codecs serve the overlay and turns that cannot be lossless.
	if w.dec, err = tjpeg.NewDecoder(); err == nil {
		w.enc, err = tjpeg.NewEncoder()
	}
	if err != nil {
		w.close()
		return nil, err
	}
	if p.Overlay != "" {
		w.text = newBitmapText()
	}
	return w, nil
}

func (w *pictureWorker) close() {
	if w.tr != nil {
		w.tr.Close()
	}
	if w.dec != nil {
		w.dec.Close()
	}
	if w.enc != nil {
		w.enc.Close()
	}
}

// process turns f and stamps it; a new frame, f is never written.
func (w *pictureWorker) process(f *Frame) (*Frame, error) {
	if w.text != nil { // decoding anyway: turn the pixels too, encode once
		return w.redraw(f.JPEG(), f)
	}
	if w.tr == nil {
		return f, nil
	}
	start := time.Now()
	if w.choice.usePixels() {
		out, err := w.redraw(f.JPEG(), f)
		w.choice.record(time.Since(start))
		return out, err
	}
	out, width, height, err := w.tr.Transform(f.JPEG(), w.op, true)
	if errors.Is(err, tjpeg.ErrImperfect) { // a lossless turn would crop
		return w.redraw(f.JPEG(), f)
	}
	if err != nil {
		return nil, err
	}
	w.choice.record(time.Since(start))
	return NewFrame(out, width, height, f.Seq(), f.Captured()), nil
}

// redraw decodes jpg, turns and stamps the pixels, and encodes the result.
func (w *pictureWorker) redraw(jpg []byte, f *Frame) (*Frame, error) {
	img, err := w.dec.DecodeRGBA(w.img, jpg, tjpeg.ScaleFull)
	if img == nil {
		return nil, err
	}
	w.img = img
	if w.op != tjpeg.OpNone {
		w.turned = turnRGBA(w.turned, img, w.op)
		img = w.turned
	}
	if w.text != nil {
		w.stamp(img, f.Captured())
	}
	out, err := w.enc.EncodeRGBA(nil, img, tjpeg.Subsamp420, w.pic.Quality)
	if err != nil {
		return nil, err
	}
	return NewFrame(out, img.Rect.Dx(), img.Rect.Dy(), f.Seq(), f.Captured()), nil
}

// stamp draws the overlay text, on a dark box so it reads on any picture,
// in the top-left corner, scaled with the picture's height.
func (w *pictureWorker) stamp(img *image.RGBA, at time.Time) {
	text := FormatOverlay(w.pic.Overlay, at, w.pic.Name)
	scale := max(1, img.Rect.Dy()/360)
	tw, th := w.text.render(text)
	margin := 4 * scale
	fill(img, image.Rect(0, 0, tw*scale+2*margin, th*scale+2*margin), color.RGBA{0, 0, 0, 255})
	w.text.blit(img, tw, margin, margin, scale, color.RGBA{255, 255, 255, 255})
}
