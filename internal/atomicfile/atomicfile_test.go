package atomicfile

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestCreateOnceFirstWins: of many concurrent creators one value wins for
// all, later calls read it, and no temporary file is left.
func TestCreateOnceFirstWins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "id")
	got := make([]string, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			b, err := CreateOnce(path, []byte{byte('a' + i)})
			if err != nil {
				t.Error(err)
			}
			got[i] = string(b)
		})
	}
	wg.Wait()
	for _, g := range got {
		if g != got[0] || len(g) != 1 {
			t.Fatalf("creators saw %q", got)
		}
	}
	if b, _ := CreateOnce(path, []byte("z")); string(b) != got[0] {
		t.Errorf("a later call read %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".id-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestReplace: the new content replaces the old whole; a folder that
// cannot be written is an error and leaves nothing behind.
func TestReplace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	for _, s := range []string{"first", "second, longer"} {
		if err := Replace(path, []byte(s)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != s {
			t.Fatalf("read %q, want %q", b, s)
		}
	}
	if err := Replace(filepath.Join(path, "below-a-file"), []byte("x")); err == nil {
		t.Error("wrote below a regular file")
	}
}
