package picam

import (
	"errors"
	"os/exec"
	"path/filepath"
)

// Tools are the rpicam-apps (or older libcamera-apps) programs found on PATH.
// Paths are absolute so a later PATH change cannot swap the binary under us.
type Tools struct {
	Vid   string // rpicam-vid or libcamera-vid
	Hello string // rpicam-hello or libcamera-hello; empty if only Vid exists
}

// toolNames lists the (video, hello) pairs in order of preference: Raspberry
// Pi OS Bookworm renamed libcamera-* to rpicam-*, and older images still
// ship only the old names.
var toolNames = [][2]string{
	{"rpicam-vid", "rpicam-hello"},
	{"libcamera-vid", "libcamera-hello"},
}

// errNoVid is one line because it ends up in a status line and a log entry.
var errNoVid = errors.New("no rpicam-vid or libcamera-vid found: install rpicam-apps (sudo apt install rpicam-apps) for a Raspberry Pi Camera Module")

// errNoHello is reported by List rather than FindTools: streaming works
// without the hello tool, only listing does not.
var errNoHello = errors.New("no rpicam-hello or libcamera-hello found: install rpicam-apps (sudo apt install rpicam-apps) to list Raspberry Pi cameras")

// FindTools looks for rpicam-vid and rpicam-hello, else libcamera-vid and
// libcamera-hello, on PATH. Only a missing video tool is an error; the hello
// tool is taken from the same family as the video tool when possible so the
// listing matches what will stream.
func FindTools() (Tools, error) {
	for _, n := range toolNames {
		vid := lookAbs(n[0])
		if vid == "" {
			continue
		}
		t := Tools{Vid: vid, Hello: lookAbs(n[1])}
		if t.Hello == "" {
			t.Hello = anyHello()
		}
		return t, nil
	}
	return Tools{}, errNoVid
}

// anyHello accepts a hello tool from the other family: a half-upgraded
// system can have rpicam-vid with only libcamera-hello, and both list the
// same cameras.
func anyHello() string {
	for _, n := range toolNames {
		if h := lookAbs(n[1]); h != "" {
			return h
		}
	}
	return ""
}

// lookAbs is exec.LookPath made absolute, or "" when name is not on PATH.
func lookAbs(name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
