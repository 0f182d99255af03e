// Package picam drives a Raspberry Pi Camera Module on the CSI connector
// through rpicam-apps (or the older libcamera-apps). Such cameras have no
// usable V4L2 capture node for lancam, so instead of talking to the
// hardware this package finds the tools, asks rpicam-hello what is
// attached and builds the rpicam-vid command whose MJPEG output lancam
// reads; running that command is left to the generic exec source.
package picam
