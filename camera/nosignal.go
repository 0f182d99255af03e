package camera

import (
	"fmt"
	"image"
	"image/color"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

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
	text    *image.RGBA // 1x glyph scratch buffer
	drawer  font.Drawer
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

// noSignalMaxChars bounds the text buffer; longer device names are cut.
const noSignalMaxChars = 64

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
	text := image.NewRGBA(image.Rect(0, 0, face.Advance*noSignalMaxChars, face.Height))
	n := &NoSignal{
		w: width, h: height, quality: quality, enc: enc,
		bg:     image.NewRGBA(image.Rect(0, 0, width, height)),
		img:    image.NewRGBA(image.Rect(0, 0, width, height)),
		text:   text,
		drawer: font.Drawer{Dst: text, Src: image.White, Face: face},
	}
	fill(n.bg, n.bg.Rect, noSignalBG)

	// Title about half the frame wide (limited by height on narrow frames),
	// the details a third of its size, each line centred.
	titleW := face.Advance * len(noSignalTitleText)
	big := max(1, min(width/2/titleW, height/4/face.Height))
	n.small = max(1, big/3)
	lineH := face.Height * n.small
	if len(device) > noSignalMaxChars {
		device = device[:noSignalMaxChars-3] + "..."
	}
	blockH := face.Height*big + 3*lineH // title, gap, device, clock
	y := (height - blockH) / 2
	n.drawCentered(n.bg, noSignalTitleText, y, big, noSignalTitle)
	y += face.Height*big + lineH/2
	n.drawCentered(n.bg, device, y, n.small, noSignalText)
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
	n.drawText(n.img, now.Format("2006-01-02 15:04:05"), n.clockX, n.clockY, n.small, noSignalText)
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

func (n *NoSignal) drawCentered(dst *image.RGBA, s string, y, scale int, c color.RGBA) {
	x := (n.w - basicfont.Face7x13.Advance*len(s)*scale) / 2
	n.drawText(dst, s, max(x, 0), y, scale, c)
}

// drawText renders s with the 7x13 bitmap font at 1x, then blows it up by
// scale with nearest-neighbour: crisp at any frame size and no font files.
func (n *NoSignal) drawText(dst *image.RGBA, s string, x, y, scale int, c color.RGBA) {
	clear(n.text.Pix)
	n.drawer.Dot = fixed.P(0, basicfont.Face7x13.Ascent)
	n.drawer.DrawString(s)
	tw := min(n.drawer.Dot.X.Ceil(), n.text.Rect.Dx())
	for ty := range n.text.Rect.Dy() {
		row := n.text.Pix[ty*n.text.Stride:]
		for tx := range tw {
			if row[4*tx+3] >= 128 {
				fill(dst, image.Rect(x+tx*scale, y+ty*scale, x+(tx+1)*scale, y+(ty+1)*scale), c)
			}
		}
	}
}
