package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDepsAptFailure runs scripts/deps.sh against fake apt tools: apt is
// given timeouts and retries (a stalled mirror must not hang make test for
// minutes), and a failing `apt-get update` ends deps.sh with one line that
// says what failed, taken from apt's own error line.
func TestDepsAptFailure(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	argsFile := filepath.Join(bin, "apt-args")
	fakes := map[string]string{
		// Nothing is installed, so deps.sh has to call apt.
		"dpkg-query": "exit 0",
		"apt-cache":  "exit 0",
		"sudo":       `exec "$@"`,
		"apt-get": `echo "$*" >>` + argsFile + `
echo "Err:1 http://deb.debian.org/debian bookworm InRelease"
echo "  Connection timed out [IP: 151.101.2.132 80]"
echo "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Connection timed out" >&2
exit 100`,
	}
	for name, body := range fakes {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", "scripts/deps.sh", "run")
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		t.Fatalf("deps.sh succeeded although apt-get update failed; stderr:\n%s", stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	last := lines[len(lines)-1]
	want := "deps.sh: error: apt-get update failed (exit 100): E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Connection timed out"
	if last != want {
		t.Errorf("last line of stderr:\n%s\nwant:\n%s", last, want)
	}
	args, _ := os.ReadFile(argsFile)
	for _, opt := range []string{"Acquire::Retries=3", "Acquire::http::Timeout=30", "Acquire::https::Timeout=30"} {
		if !strings.Contains(string(args), opt) {
			t.Errorf("apt-get ran as %q, without %s", args, opt)
		}
	}
	if strings.Contains(string(args), "install") {
		t.Errorf("apt-get install ran after update failed: %q", args)
	}
}
