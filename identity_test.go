package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// machineFile writes a machine id file and returns its path.
func machineFile(t *testing.T, id string) []string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "machine-id")
	writeFile(t, p, id+"\n")
	return []string{p}
}

func storedID(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, installIDFile))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestIdentityIDs: the first camera on the installation's port announces
// the stored id; every other port and camera an id of its own, the same
// after a restart.
func TestIdentityIDs(t *testing.T) {
	t.Parallel()
	dir, machine := t.TempDir(), machineFile(t, "0123456789abcdef")
	x := loadIdentity(identityConfig{ConfigDir: dir, MachineIDFiles: machine})
	first := x.CameraID(8080, 0, "test")
	if first != storedID(t, dir) {
		t.Fatalf("first camera id %q, stored %q", first, storedID(t, dir))
	}
	ids := map[string]string{
		"8080/0": first,
		"8080/1": x.CameraID(8080, 1, "garden"),
		"8080/2": x.CameraID(8080, 2, "door"),
		"8081/0": x.CameraID(8081, 0, "test"),
		"8081/1": x.CameraID(8081, 1, "garden"),
	}
	seen := map[string]string{}
	for k, id := range ids {
		if len(id) != 16 || seen[id] != "" {
			t.Errorf("%s: id %q (also %s)", k, id, seen[id])
		}
		seen[id] = k
	}
	if x.CameraID(8081, 0, "another-source") != ids["8081/0"] {
		t.Error("the first camera's id changed with its source")
	}

	again := loadIdentity(identityConfig{ConfigDir: dir, MachineIDFiles: machine})
	for k, want := range map[string]string{"8080/0": again.CameraID(8080, 0, "x"), "8080/1": again.CameraID(8080, 1, "garden"),
		"8081/0": again.CameraID(8081, 0, "x")} {
		if ids[k] != want {
			t.Errorf("%s after a restart: %q, want %q", k, want, ids[k])
		}
	}
}

// TestIdentitySharedFolder: two lancams starting at once with one config
// folder on different ports get different ids, whichever binds first.
func TestIdentitySharedFolder(t *testing.T) {
	t.Parallel()
	for range 20 {
		dir, machine := t.TempDir(), machineFile(t, "0123456789abcdef")
		var a, b string
		var wg sync.WaitGroup
		wg.Go(func() {
			a = loadIdentity(identityConfig{ConfigDir: dir, MachineIDFiles: machine}).CameraID(8080, 0, "x")
		})
		wg.Go(func() {
			b = loadIdentity(identityConfig{ConfigDir: dir, MachineIDFiles: machine}).CameraID(8081, 0, "x")
		})
		wg.Wait()
		if a == b || a != storedID(t, dir) && b != storedID(t, dir) {
			t.Fatalf("ids %q and %q, stored %q: want two ids, one of them the stored", a, b, storedID(t, dir))
		}
	}
}

// TestIdentityCopiedToAnotherMachine: an id file made under another
// machine id (a copied config, a card cloned before its first boot) is
// replaced at start, and the log says why.
func TestIdentityCopiedToAnotherMachine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old := loadIdentity(identityConfig{ConfigDir: dir, MachineIDFiles: machineFile(t, "aaaaaaaaaaaaaaaa")}).CameraID(8080, 0, "x")

	var logs bytes.Buffer
	moved := loadIdentity(identityConfig{ConfigDir: dir, MachineIDFiles: machineFile(t, "bbbbbbbbbbbbbbbb"),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	id := moved.CameraID(8080, 0, "x")
	if id == old || id != storedID(t, dir) {
		t.Fatalf("on another machine: id %q (old %q, stored %q), want a new stored id", id, old, storedID(t, dir))
	}
	if !strings.Contains(logs.String(), "made on another machine") {
		t.Errorf("log does not say why: %s", logs.String())
	}
	back := loadIdentity(identityConfig{ConfigDir: dir, MachineIDFiles: machineFile(t, "bbbbbbbbbbbbbbbb")})
	if back.CameraID(8080, 0, "x") != id {
		t.Error("the new id did not last a restart")
	}
	none := loadIdentity(identityConfig{ConfigDir: dir, MachineIDFiles: []string{filepath.Join(dir, "missing")}})
	if none.CameraID(8080, 0, "x") != id {
		t.Error("without a machine id the stored id was replaced")
	}
}

// TestIdentityRenew: a conflict on the LAN replaces every id and stores
// the new one; the next start keeps it.
func TestIdentityRenew(t *testing.T) {
	t.Parallel()
	dir, machine := t.TempDir(), machineFile(t, "0123456789abcdef")
	x := loadIdentity(identityConfig{ConfigDir: dir, MachineIDFiles: machine})
	before := []string{x.CameraID(8080, 0, "a"), x.CameraID(8080, 1, "b")}
	x.Renew()
	after := []string{x.CameraID(8080, 0, "a"), x.CameraID(8080, 1, "b")}
	if after[0] == before[0] || after[1] == before[1] || after[0] != storedID(t, dir) {
		t.Fatalf("ids %q after renewing %q (stored %q)", after, before, storedID(t, dir))
	}
	if got := loadIdentity(identityConfig{ConfigDir: dir, MachineIDFiles: machine}).CameraID(8080, 0, "a"); got != after[0] {
		t.Errorf("after a restart %q, want %q", got, after[0])
	}
	left, _ := filepath.Glob(filepath.Join(dir, "lancam", ".id-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestIdentityWithoutFolder: no config folder still gives working ids.
func TestIdentityWithoutFolder(t *testing.T) {
	t.Parallel()
	x := loadIdentity(identityConfig{})
	if id := x.CameraID(8080, 0, "a"); len(id) != 16 || id == x.CameraID(8080, 1, "b") {
		t.Errorf("ids without a folder: %q", id)
	}
	x.Renew()
}
