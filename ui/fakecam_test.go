package ui

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"lancam/camera"
)

// fakeCam is a camera with controls: the test pattern's frames, and a
// control table that checks, changes and records like a V4L2 driver.
type fakeCam struct {
	camera.Source
	mu     sync.Mutex
	ctls   []camera.Control
	sets   []setCall
	reads  int
	resets int
	fail   error // SetControl's answer while set
}

type setCall struct {
	id uint32
	v  int64
}

func newFakeCam(t *testing.T, ctls []camera.Control) *fakeCam {
	t.Helper()
	src, err := camera.Open("test", camera.OpenConfig{Width: 320, Height: 240, FPS: 30, Quality: 70, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	return &fakeCam{Source: src, ctls: slices.Clone(ctls)}
}

// Controls returns a copy, as a driver's answer is.
func (f *fakeCam) Controls() ([]camera.Control, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return slices.Clone(f.ctls), nil
}

// SetControl refuses what a driver refuses: unknown ids, values off the
// range or off the step grid. "Auto Exposure" makes the exposure time
// inactive, as UVC cameras do.
func (f *fakeCam) SetControl(id uint32, v int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets = append(f.sets, setCall{id, v})
	if f.fail != nil {
		return f.fail
	}
	i := slices.IndexFunc(f.ctls, func(c camera.Control) bool { return c.ID == id })
	if i < 0 {
		return fmt.Errorf("%w: no control %d", camera.ErrBadControl, id)
	}
	c := &f.ctls[i]
	if v < c.Min || v > c.Max || c.Step > 0 && (v-c.Min)%c.Step != 0 {
		return fmt.Errorf("%w: %s: %d not in %d..%d step %d", camera.ErrBadControl, c.Name, v, c.Min, c.Max, c.Step)
	}
	c.Value = v
	if c.Name == "Auto Exposure" {
		for j := range f.ctls {
			if f.ctls[j].Name == "Exposure Time, Absolute" {
				f.ctls[j].Inactive = v != 0
			}
		}
	}
	return nil
}

// ResetControls sets every value to its default.
func (f *fakeCam) ResetControls() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resets++
	for i := range f.ctls {
		f.ctls[i].Value = f.ctls[i].Default
	}
	return nil
}

func (f *fakeCam) lastSet() (setCall, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.sets) == 0 {
		return setCall{}, false
	}
	return f.sets[len(f.sets)-1], true
}

func (f *fakeCam) counts() (reads, resets int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads, f.resets
}

func (f *fakeCam) setFail(err error) { f.mu.Lock(); f.fail = err; f.mu.Unlock() }

// setValue changes a control behind the window's back (v4l2-ctl).
func (f *fakeCam) setValue(id uint32, v int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.ctls {
		if f.ctls[i].ID == id {
			f.ctls[i].Value = v
		}
	}
}

// turned wraps a camera as rotation and overlay do: its frames, not its
// controls (embedding the interface hides fakeCam's other methods).
type turned struct{ camera.Source }

func (t turned) Unwrap() camera.Source { return t.Source }

// benchControls are a webcam's controls, one of each kind plus a string
// control the window cannot edit.
func benchControls() []camera.Control {
	return []camera.Control{
		{ID: 1, Name: "Brightness", Type: "int", Min: 0, Max: 255, Step: 1, Default: 128, Value: 100},
		{ID: 2, Name: "Sharpness", Type: "int", Min: 1, Max: 9, Step: 2, Default: 3, Value: 7},
		{ID: 3, Name: "Horizontal Flip", Type: "bool", Max: 1, Step: 1, Default: 0, Value: 0},
		{ID: 4, Name: "Power Line Frequency", Type: "menu", Max: 2, Step: 1, Default: 1, Value: 2,
			Menu: []camera.MenuItem{{Index: 0, Name: "Disabled"}, {Index: 1, Name: "50 Hz"}, {Index: 2, Name: "60 Hz"}}},
		{ID: 5, Name: "Auto Exposure", Type: "bool", Max: 1, Step: 1, Default: 1, Value: 1},
		{ID: 6, Name: "Exposure Time, Absolute", Type: "int", Min: 3, Max: 2047, Step: 1, Default: 250, Value: 250, Inactive: true},
		{ID: 7, Name: "Focus, Trigger", Type: "button"},
		{ID: 8, Name: "Lens Shading", Type: "bool", Max: 1, Step: 1, Default: 1, Value: 1, Restarts: true},
		{ID: 9, Name: "Serial", Type: "string"},
	}
}

// openRecorder stands in for main's OpenSource and keeps what it was asked.
type openRecorder struct {
	mu   sync.Mutex
	got  []Settings
	open func(Settings) camera.Source
}

// recordOpens makes the rig's OpenSource rec; set on the UI goroutine, so
// the camera switches it starts afterwards see it.
func (r *testRig) recordOpens(open func(Settings) camera.Source) *openRecorder {
	rec := &openRecorder{open: open}
	onMain(func() {
		r.a.parts.OpenSource = func(_ context.Context, s Settings) (camera.Source, error) {
			rec.mu.Lock()
			rec.got = append(rec.got, s)
			rec.mu.Unlock()
			return rec.open(s), nil
		}
	})
	return rec
}

func (rec *openRecorder) last() (Settings, int) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.got) == 0 {
		return Settings{}, 0
	}
	return rec.got[len(rec.got)-1], len(rec.got)
}
