package picam

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lancam/camera"
	"lancam/camera/uvc"
	"lancam/internal/testenv"
)

// records reads the fake rpicam-vid's argv records, one per start.
func records(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var out [][]string
	for _, rec := range strings.Split(string(b), "--\n") {
		if rec = strings.TrimSpace(rec); rec != "" {
			out = append(out, strings.Split(rec, "\n"))
		}
	}
	return out
}

func newTestSource(t *testing.T, store *uvc.ControlStore) *Source {
	t.Helper()
	tools := Tools{Vid: filepath.Join(fakebin(t), "rpicam-vid")}
	src, err := NewSource(tools, CommandConfig{Camera: 1, Width: 320, Height: 240, FPS: 10, Quality: 80}, "imx708", store,
		camera.ExecConfig{Kind: "picam", Width: 320, Height: 240, FPS: 10})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestControlsValidate: the list has rpicam-vid's settings at their
// defaults, each marked as restarting the camera; hostile values are
// ErrBadControl and change nothing.
func TestControlsValidate(t *testing.T) {
	src := newTestSource(t, nil)
	list, err := src.Controls()
	if err != nil || len(list) != len(options) {
		t.Fatalf("%d controls, %v", len(list), err)
	}
	for _, c := range list {
		if c.Value != c.Default || !c.Restarts {
			t.Errorf("%s: value %d default %d restarts %v", c.Name, c.Value, c.Default, c.Restarts)
		}
	}
	for _, tc := range []struct {
		id uint32
		v  int64
	}{{1, 101}, {1, -101}, {2, -1}, {6, 7}, {6, -1}, {99, 0}, {0, 0}} {
		if err := src.SetControl(tc.id, tc.v); !errors.Is(err, camera.ErrBadControl) {
			t.Errorf("SetControl(%d, %d) = %v, want ErrBadControl", tc.id, tc.v, err)
		}
	}
	plain, _ := src.tools.Command(src.cfg)
	if argv, _ := src.argv(); strings.Join(argv, " ") != strings.Join(plain, " ") {
		t.Errorf("refused values reached the command: %q", argv)
	}
}

// TestControlsRestartAndPersist: setting a control restarts rpicam-vid
// with the option (and nothing for defaults); the value is kept per module
// and given to the next start of a new source; reset forgets it.
func TestControlsRestartAndPersist(t *testing.T) {
	testenv.Tool(t, "ffmpeg")
	args := filepath.Join(t.TempDir(), "args")
	t.Setenv("LANCAM_FAKE_ARGS", args)
	store := uvc.NewControlStore(filepath.Join(t.TempDir(), "controls.json"))
	src := newTestSource(t, store)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	frames := make(chan struct{}, 1)
	wg.Go(func() {
		src.Run(ctx, func(*camera.Frame) {
			select {
			case frames <- struct{}{}:
			default:
			}
		})
	})
	defer func() { cancel(); wg.Wait() }()
	waitStarts := func(n int) [][]string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for len(records(t, args)) < n {
			if time.Now().After(deadline) {
				t.Fatalf("rpicam-vid started %d times, want %d", len(records(t, args)), n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		return records(t, args)
	}
	waitStarts(1)
	<-frames
	if err := src.SetControl(1, 50); err != nil { // brightness
		t.Fatal(err)
	}
	if err := src.SetControl(6, 5); err != nil { // white balance: daylight
		t.Fatal(err)
	}
	recs := waitStarts(2)
	last := strings.Join(recs[len(recs)-1], " ")
	if !strings.Contains(last, "--brightness 0.5") {
		t.Errorf("restarted as %q, want --brightness 0.5", last)
	}
	if strings.Contains(strings.Join(recs[0], " "), "--brightness") {
		t.Errorf("the first start had options: %q", recs[0])
	}

	again := newTestSource(t, store) // another run of lancam
	argv, _ := again.argv()
	if got := strings.Join(argv, " "); !strings.Contains(got, "--brightness 0.5 --awb daylight") {
		t.Errorf("the next start runs %q, want the kept values", got)
	}
	if err := again.ResetControls(); err != nil {
		t.Fatal(err)
	}
	if argv, _ := newTestSource(t, store).argv(); strings.Contains(strings.Join(argv, " "), "--brightness") {
		t.Errorf("after a reset: %q", argv)
	}
}
