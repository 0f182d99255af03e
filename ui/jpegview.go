package ui

import (
	"image"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// jpegView shows a stream of JPEG frames. Frames are decoded off the UI
// thread with libjpeg-turbo at the smallest DCT scale that still covers the
// widget's size in pixels (a 1080p frame in a 480-pixel preview decodes at
// 1/2 or 1/4 the cost), into one of three reused buffers: the renderer may
// still be reading the last two when the next frame is decoded.
type jpegView struct {
	widget.BaseWidget
	img *canvas.Image
	do  func(func()) // runs on the UI goroutine: fyne.Do (see App.do)

	wantW, wantH atomic.Int32 // the widget's size in pixels, set by layout

	dec frameDecoder // has its own lock, which is all Close needs

	mu      sync.Mutex // serialises decode; guards the fields below
	bufs    [3]*image.RGBA
	next    int
	shown   uint64        // frames put on screen
	decoded time.Duration // total decode time, for the preview stats
}

// newJPEGView makes an empty (black) view; do is how it reaches the UI
// goroutine (nil: fyne.Do).
func newJPEGView(do func(func())) *jpegView {
	if do == nil {
		do = fyne.Do
	}
	v := &jpegView{img: canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 1, 1))), do: do}
	v.img.FillMode = canvas.ImageFillContain
	v.img.ScaleMode = canvas.ImageScaleFastest // GL scales; Smooth would rescale every frame on the CPU
	v.ExtendBaseWidget(v)
	return v
}

// CreateRenderer is Fyne's hook; the renderer records the pixel size.
func (v *jpegView) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(blackColor)
	return &jpegViewRenderer{v: v, bg: bg}
}

// MinSize keeps a visible area even before the first frame.
func (v *jpegView) MinSize() fyne.Size { return fyne.NewSize(160, 90) }

// ShowFrame decodes jpeg and puts it on screen; call it from a worker goroutine.
// A frame that cannot be decoded is skipped with its error.
func (v *jpegView) ShowFrame(jpeg []byte) error {
	img, err := v.decode(jpeg)
	if img == nil {
		return err
	}
	v.do(func() {
		v.img.Image = img
		v.img.Refresh()
	})
	return nil
}

// decode turns jpeg into the next buffer.
func (v *jpegView) decode(jpeg []byte) (*image.RGBA, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	start := time.Now()
	img, err := v.dec.decode(v.bufs[v.next], jpeg, int(v.wantW.Load()), int(v.wantH.Load()))
	if img == nil {
		return nil, err
	}
	v.bufs[v.next] = img
	v.next = (v.next + 1) % len(v.bufs)
	v.decoded += time.Since(start)
	v.shown++
	return img, nil // a recoverable warning still gives a picture
}

// stats reports frames decoded for the screen and their total decode time.
func (v *jpegView) stats() (uint64, time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.shown, v.decoded
}

// clear blanks the view (camera switched, viewer reconnecting).
func (v *jpegView) clear() {
	v.do(func() {
		v.img.Image = image.NewRGBA(image.Rect(0, 0, 1, 1))
		v.img.Refresh()
	})
}

// Close frees the decoder; the view must not be used afterwards.
func (v *jpegView) Close() { v.dec.Close() }

type jpegViewRenderer struct {
	v  *jpegView
	bg *canvas.Rectangle
}

func (r *jpegViewRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	r.v.img.Resize(size)
	scale := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(r.v); c != nil {
		scale = c.Scale()
	}
	r.v.wantW.Store(int32(size.Width * scale))
	r.v.wantH.Store(int32(size.Height * scale))
}

func (r *jpegViewRenderer) MinSize() fyne.Size { return r.v.MinSize() }
func (r *jpegViewRenderer) Refresh()           { r.v.img.Refresh() }
func (r *jpegViewRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.v.img}
}
func (r *jpegViewRenderer) Destroy() {}
