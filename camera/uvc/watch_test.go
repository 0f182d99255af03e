package uvc

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func nextEvent(t *testing.T, w *Watcher) Event {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		if !ok {
			t.Fatal("events closed")
		}
		return ev
	case <-time.After(3 * time.Second):
		t.Fatal("no event")
	}
	return Event{}
}

func TestWatcherReportsVideoNodes(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	w := newWatcher(dir)
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Start(context.Background()); err == nil {
		t.Error("second Start accepted")
	}
	// Not a video node: ignored.
	if err := os.WriteFile(filepath.Join(dir, "media0"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	node := filepath.Join(dir, "video7")
	if err := os.WriteFile(node, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, w); ev != (Event{node, Added}) {
		t.Fatalf("event %+v", ev)
	}
	// udev fixes permissions after the node appears: reported as Added.
	if err := os.Chmod(node, 0o660); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, w); ev != (Event{node, Added}) {
		t.Fatalf("event %+v", ev)
	}
	if err := os.Remove(node); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, w); ev != (Event{node, Removed}) || ev.Op.String() != "removed" {
		t.Fatalf("event %+v", ev)
	}
}

func TestWatcherStopsWithContextAndClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithCancel(context.Background())
	w := newWatcher(t.TempDir())
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	for range w.Events() { // closed once the goroutine is gone
	}
	w.Close()
	w.Close()

	never := newWatcher(t.TempDir())
	never.Close()
	if err := never.Start(context.Background()); err == nil {
		t.Fatal("Start after Close accepted")
	}
	bad := newWatcher(filepath.Join(t.TempDir(), "missing"))
	if err := bad.Start(context.Background()); err == nil {
		t.Fatal("watching a missing dir succeeded")
	}
	bad.Close()
}
