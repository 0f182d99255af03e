package ui

import (
	"image"

	"github.com/skip2/go-qrcode"
)

// qrImage encodes url as a QR code a phone camera reads from the screen:
// medium error correction, size pixels square.
func qrImage(url string, size int) (image.Image, error) {
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	return q.Image(size), nil
}
