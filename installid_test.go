package main

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestInstallIDStable checks that the id is made once, kept across calls,
// and that concurrent first starts agree on one id.
func TestInstallIDStable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			id, err := loadInstallID(dir)
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent first starts made different ids: %q", ids)
		}
	}
	if len(ids[0]) != 16 {
		t.Errorf("id %q: want 16 hex digits", ids[0])
	}
	again, err := loadInstallID(dir)
	if err != nil || again != ids[0] {
		t.Errorf("second load = %q, %v; want %q", again, err, ids[0])
	}
	left, _ := filepath.Glob(filepath.Join(dir, "lancam", ".id-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	other, err := loadInstallID(t.TempDir())
	if err != nil || other == ids[0] {
		t.Errorf("another installation got %q, %v; want a different id", other, err)
	}
}

// TestInstallIDDamaged checks that a damaged id file is reported, not replaced.
func TestInstallIDDamaged(t *testing.T) {
	t.Parallel()
	for _, content := range []string{"", "short", "has spaces in it\n", "name=evil\x00trail"} {
		dir := t.TempDir()
		path := filepath.Join(dir, installIDFile)
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, []byte(content), 0o644)
		if id, err := loadInstallID(dir); err == nil {
			t.Errorf("id file %q: got id %q, want an error", content, id)
		}
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Errorf("id file %q was rewritten to %q", content, b)
		}
	}
}
