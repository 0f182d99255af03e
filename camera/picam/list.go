package picam

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// listTimeout caps --list-cameras even under a context without deadline:
// libcamera can hang probing a wedged sensor, and a chooser must not.
const listTimeout = 10 * time.Second

// List runs "<Hello> --list-cameras" and parses its output. No cameras is an
// empty list and a nil error, because that is the normal state of a Pi
// without a module; a failing tool is an error carrying the last line of its
// stderr, which is where libcamera explains itself.
func (t Tools) List(ctx context.Context) ([]Camera, error) {
	if t.Hello == "" {
		return nil, errNoHello
	}
	ctx, cancel := context.WithTimeout(ctx, listTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, t.Hello, "--list-cameras")
	ownGroup(cmd)
	// A grandchild holding the pipes open must not keep Wait blocked.
	cmd.WaitDelay = time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	name := filepath.Base(t.Hello) + " --list-cameras"
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", name, ctx.Err())
		}
		if line := lastLine(stderr.String()); line != "" {
			return nil, fmt.Errorf("%s: %s", name, line)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cams := ParseList(stdout.Bytes())
	if cams == nil {
		cams = []Camera{}
	}
	return cams, nil
}

// lastLine is the last non-blank line of s, trimmed.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
