// Package testenv decides, in one place, what a test does when this machine
// lacks something it needs (a program, root, an interface): under CI
// (CI=true), where `make test` installs everything first, the test fails,
// so a missing install step cannot pass unnoticed; elsewhere it is skipped.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing fails the test under CI and skips it elsewhere, saying what is
// missing.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatal(msg + " (CI=true: make test installs it)")
	}
	t.Skip(msg)
}

// Tool returns the path of the first of names found in PATH; when none is,
// the test fails under CI and is skipped elsewhere.
func Tool(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	Missing(t, "%s not installed (scripts/deps.sh test installs it)", names[0])
	return ""
}
