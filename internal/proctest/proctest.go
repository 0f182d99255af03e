// Package proctest finds processes a test started, by a marker in their
// environment, so a test can prove that nothing it caused to run outlived
// it — whatever the processes are called and whoever their parent is now.
package proctest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Marker returns a NAME=value environment entry unique to this call; give
// it to the processes a test starts (children inherit it).
func Marker(name string) string {
	return fmt.Sprintf("LANCAM_TEST_MARKER=%s-%d-%d", name, os.Getpid(), time.Now().UnixNano())
}

// With lists the live processes whose environment holds marker, as
// "PID: command line". Zombies are left out: they are dead and only wait
// for their parent to reap them.
func With(marker string) []string {
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		env, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil || !bytes.Contains(env, []byte(marker+"\x00")) {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join(d, "stat"))
		if i := bytes.LastIndexByte(stat, ')'); i > 0 {
			if f := strings.Fields(string(stat[i+1:])); len(f) > 0 && f[0] == "Z" {
				continue
			}
		}
		cmd, _ := os.ReadFile(filepath.Join(d, "cmdline"))
		out = append(out, filepath.Base(d)+": "+strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " ")))
	}
	return out
}

// WaitGone polls With until no process carries marker or timeout passes,
// and returns what is left then. Processes die a little after the signal
// that kills them, so a check right after a kill needs this grace.
func WaitGone(marker string, timeout time.Duration) []string {
	deadline := time.Now().Add(timeout)
	for {
		left := With(marker)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond) // polling /proc: nothing to wait on
	}
}
