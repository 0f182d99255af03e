package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lancam/internal/testenv"
)

// TestVersionScript runs scripts/version.sh in throwaway git repositories:
// before the first release tag, on a tag, after one, with uncommitted
// changes and outside git, and checks that the Debian forms sort the way
// releases follow each other.
func TestVersionScript(t *testing.T) {
	for _, tool := range []string{"git", "dpkg"} {
		testenv.Tool(t, tool)
	}
	script, err := os.ReadFile("scripts/version.sh")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("scripts/version.sh", string(script))
	write("FyneApp.toml", "[Details]\n  Name = \"lancam\"\n  Version = \"0.3.0\"\n  Build = 1\n")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	version := func() (string, string) {
		t.Helper()
		return run("scripts/version.sh"), run("scripts/version.sh", "--deb")
	}
	commit := func(msg string) {
		t.Helper()
		write("file", msg)
		run("git", "add", "-A")
		run("git", "commit", "-q", "-m", msg)
	}

	var debs []string // in the order they were made: each must sort after the one before
	check := func(stage, wantPattern string) {
		t.Helper()
		v, deb := version()
		if !regexp.MustCompile(`^` + wantPattern + `$`).MatchString(v) {
			t.Errorf("%s: version %q, want %s", stage, v, wantPattern)
		}
		if want := strings.Replace(v, "-", "~", 1); deb != want {
			t.Errorf("%s: --deb %q, want %q", stage, deb, want)
		}
		debs = append(debs, deb)
	}

	check("outside git", `0\.3\.0`)
	run("git", "init", "-q")
	commit("one")
	check("no tag yet", `0\.3\.0-dev\.1\+g[0-9a-f]{7}`)
	commit("two")
	check("no tag, second commit", `0\.3\.0-dev\.2\+g[0-9a-f]{7}`)
	write("file", "changed")
	check("no tag, uncommitted change", `0\.3\.0-dev\.2\+g[0-9a-f]{7}\.dirty`)
	run("git", "checkout", "-q", "file")
	debs = debs[:len(debs)-1] // a dirty tree is not a step in the release order
	run("git", "tag", "v0.3.0")
	check("on the release tag", `0\.3\.0`)
	commit("three")
	check("one commit after the tag", `0\.3\.0\+1\.g[0-9a-f]{7}`)
	commit("four")
	check("two commits after the tag", `0\.3\.0\+2\.g[0-9a-f]{7}`)
	run("git", "tag", "v0.3.1")
	check("next release", `0\.3\.1`)

	debs = debs[1:] // the version outside git carries no order
	for i := 1; i < len(debs); i++ {
		if err := exec.Command("dpkg", "--compare-versions", debs[i-1], "lt", debs[i]).Run(); err != nil {
			t.Errorf("Debian version %s does not sort before %s", debs[i-1], debs[i])
		}
	}
}
