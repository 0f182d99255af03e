package ui

import (
	"errors"
	"image/color"
)

// maxFrameSide refuses frames whose header claims more than 8192 pixels a
// side before anything is allocated for them: a hostile peer could
// otherwise ask for gigabytes with a 600-byte JPEG.
const maxFrameSide = 8192

var errTooLarge = errors.New("frame larger than 8192x8192")

// blackColor is the background behind pictures (letterboxing).
var blackColor = color.Black
