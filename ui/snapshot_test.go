package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lancam/camera"
)

// TestSaveSnapshot: the frame is written byte for byte into ~/Pictures, or
// the home folder without one, and a second snapshot in the same second
// gets its own name.
func TestSaveSnapshot(t *testing.T) {
	src, err := camera.Open("test", camera.OpenConfig{Width: 160, Height: 120, FPS: 30, Quality: 70, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	hub := camera.NewHub(camera.HubConfig{Source: src, Logger: discard})
	defer hub.Close()
	now := time.Date(2026, 11, 26, 9, 5, 7, 0, time.Local)

	home := t.TempDir()
	path, err := saveSnapshot(context.Background(), hub, home, now) // camera not running: it starts for the picture
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, "lancam-20261126-090507.jpg"); path != want {
		t.Errorf("saved to %s, want %s (no Pictures folder)", path, want)
	}
	b, _ := os.ReadFile(path)
	if !bytes.HasPrefix(b, []byte{0xff, 0xd8}) || !bytes.HasSuffix(b, []byte{0xff, 0xd9}) {
		t.Errorf("%s is not a JPEG (%d bytes)", path, len(b))
	}

	os.Mkdir(filepath.Join(home, "Pictures"), 0o755)
	first, err1 := saveSnapshot(context.Background(), hub, home, now)
	second, err2 := saveSnapshot(context.Background(), hub, home, now)
	if err1 != nil || err2 != nil || first != filepath.Join(home, "Pictures", "lancam-20261126-090507.jpg") ||
		second != filepath.Join(home, "Pictures", "lancam-20261126-090507-2.jpg") {
		t.Errorf("snapshots in Pictures: %s (%v), %s (%v)", first, err1, second, err2)
	}
}

// TestPreviewOnlyWhileVisible: a hidden window subscribes to nothing (so
// nothing is decoded and an unwatched camera stops); shown, frames flow.
func TestPreviewOnlyWhileVisible(t *testing.T) {
	r := newTestRig(t, Settings{})
	onMain(r.a.hideWindow)
	eventually(t, "no subscriber while hidden", func() bool { return r.hub.Stats().Subscribers == 0 })
	n0, _ := r.a.main.view.stats()
	onMain(r.a.showWindow)
	eventually(t, "frames decoded while shown", func() bool { n, _ := r.a.main.view.stats(); return n >= n0+10 })
	onMain(r.a.hideWindow)
	eventually(t, "no subscriber after hiding", func() bool { return r.hub.Stats().Subscribers == 0 })
	n1, _ := r.a.main.view.stats()
	time.Sleep(300 * time.Millisecond) // ten frame intervals: none may be decoded
	if n2, _ := r.a.main.view.stats(); n2 != n1 {
		t.Errorf("%d frames decoded while hidden", n2-n1)
	}
}
