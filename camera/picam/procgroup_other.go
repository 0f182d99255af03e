//go:build !unix

package picam

import "os/exec"

// ownGroup is a no-op where process groups do not exist; rpicam-apps only
// run on Linux anyway.
func ownGroup(*exec.Cmd) {}
