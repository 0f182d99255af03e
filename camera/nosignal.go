package camera

import (
	"fmt"
	"image"
	"image/color"
	"time"

	"golang.org/x/image/font/basicfont"

	"lancam/camera/tjpeg"
)

// NoSignal draws the "NO SIGNAL" card a source publishes while its camera is
// unplugged or stalled: same size as the camera's frames, dark background,
// big "NO SIGNAL", the device name and the current time. Viewers keep their
// connection (no reconnect storm when the camera returns) and can see what
// is wrong and that the server itself is alive.
//
// A NoSignal is not safe for concurrent use; one source owns it.
type NoSignal struct {
	w, h    int
	quality int
	enc     *tjpeg.Encoder
	bg      *image.RGBA // background, title and device name: drawn once
	img     *image.RGBA // bg plus the clock, reused every frame
	text    *bitmapText
	clockX  int
	clockY  int
	small   int
}

// Colours of the card: dark so a stalled tile doesn't glare on a wall of
// cameras, with red for the alarm and grey for the details.
var (
	noSignalBG    = color.RGBA{24, 24, 28, 255}
	noSignalTitle = color.RGBA{230, 60, 50, 255}
	noSignalText  = color.RGBA{200, 200, 200, 255}
)

const noSignalTitleText = "NO SIGNAL"

// NewNoSignal prepares the card for one camera. The static parts are drawn
// here so each Frame costs one copy, the clock and the encode.
func NewNoSignal(width, height int, device string, quality int) (*NoSignal, error) {
	if err := checkSize(width, height); err != nil {
		return nil, fmt.Errorf("no-signal card: %w", err)
	}
	if quality < 1 || quality > 100 {
		return nil, fmt.Errorf("no-signal card: quality %d out of range 1..100", quality)
	}
	enc, err := tjpeg.NewEncoder()
	if err != nil {
		return nil, err
	}
	face := basicfont.Face7x13
	n := &NoSignal{
		w: width, h: height, quality: quality, enc: enc,
		bg:   image.NewRGBA(image.Rect(0, 0, width, height)),
		img:  image.NewRGBA(image.Rect(0, 0, width, height)),
		text: newBitmapText(),
	}
	fill(n.bg, n.bg.Rect, noSignalBG)

	// Title about half the frame wide (limited by height on narrow frames),
	// the details a third of its size, each line centred.
	titleW := face.Advance * len(noSignalTitleText)
	big := max(1, min(width/2/titleW, height/4/face.Height))
	n.small = max(1, big/3)
	lineH := face.Height * n.small
	if len(device) > bitmapTextMaxChars {
		device = device[:bitmapTextMaxChars-3] + "..."
	}
	blockH := face.Height*big + 3*lineH // title, gap, device, clock
	y := (height - blockH) / 2
	n.text.drawCentered(n.bg, noSignalTitleText, y, big, noSignalTitle)
	y += face.Height*big + lineH/2
	n.text.drawCentered(n.bg, device, y, n.small, noSignalText)
	n.clockY = y + lineH + lineH/2
	n.clockX = (width - face.Advance*len("2006-01-02 15:04:05")*n.small) / 2
	return n, nil
}

// Frame renders the card for now (seq is the source's running number, so
// the hub's counters stay continuous) and encodes it. Buffers are reused;
// the returned Frame's bytes are freshly allocated because published frames
// are immutable.
func (n *NoSignal) Frame(now time.Time, seq uint64) (*Frame, error) {
	if n.enc == nil {
		return nil, fmt.Errorf("no-signal card: used after Close")
	}
	copy(n.img.Pix, n.bg.Pix)
	n.text.draw(n.img, now.Format("2006-01-02 15:04:05"), n.clockX, n.clockY, n.small, noSignalText)
	jpg, err := n.enc.EncodeRGBA(nil, n.img, tjpeg.Subsamp420, n.quality)
	if err != nil {
		return nil, err
	}
	return NewFrame(jpg, n.w, n.h, seq, now), nil
}

// Close frees the encoder's C memory. It is idempotent.
func (n *NoSignal) Close() {
	if n.enc != nil {
		n.enc.Close()
		n.enc = nil
	}
}
