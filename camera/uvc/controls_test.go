package uvc

import (
	"errors"
	"syscall"
	"testing"

	"go.uber.org/goleak"

	"lancam/camera"
)

func TestCheckValue(t *testing.T) {
	list := vividLike()
	cases := []struct {
		name string
		id   uint32
		v    int64
		ok   bool
	}{
		{"int in range", 1, 200, true},
		{"int at min", 1, 0, true},
		{"int at max", 1, 255, true},
		{"int below min", 1, -1, false},
		{"int above max", 1, 256, false},
		{"int far out (int32 overflow)", 1, 1 << 32, false},
		{"on the step", 2, 130, true},
		{"off the step", 2, 135, false},
		{"bool 1", 3, 1, true},
		{"bool 0", 3, 0, true},
		{"bool 2", 3, 2, false},
		{"bool -1", 3, -1, false},
		{"menu item", 4, 3, true},
		{"menu gap (driver skipped index 2)", 4, 2, false},
		{"menu past the end", 4, 4, false},
		{"button press", 5, 1, true},
		{"button 2", 5, 2, false},
		{"read-only", 6, 40, false},
		{"inactive may still be set", 7, 300, true},
		{"unknown id", 99, 0, false},
		{"id zero", 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := checkValue(list, tc.id, tc.v)
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, camera.ErrBadControl) {
				t.Fatalf("got %v, want an error wrapping ErrBadControl", err)
			}
		})
	}
}

// ctlSource is a Source whose controls live in cam; its store is in memory.
func ctlSource(t *testing.T, cam *fakeCtlCam) *Source {
	t.Helper()
	s := testSource(t, newFakeWorld(nil, mjpeg320, "/dev/video0"), "/dev/video0")
	s.ctl.open = cam.open
	return s
}

func TestControlsListsWritableControls(t *testing.T) {
	cam := newFakeCtlCam()
	s := ctlSource(t, cam)
	list, err := s.Controls()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]camera.Control{}
	for _, c := range list {
		names[c.Name] = c
	}
	if _, ok := names["Signal Strength"]; ok {
		t.Error("read-only control listed")
	}
	if len(list) != len(vividLike())-1 {
		t.Errorf("%d controls listed, want %d", len(list), len(vividLike())-1)
	}
	if m := names["Power Line Frequency"].Menu; len(m) != 3 || m[2].Index != 3 {
		t.Errorf("menu = %+v", m)
	}
	if cam.live != 0 {
		t.Errorf("%d nodes left open", cam.live)
	}
}

func TestSetControlRefusesHostileValuesAndChangesNothing(t *testing.T) {
	cam := newFakeCtlCam()
	s := ctlSource(t, cam)
	for _, h := range []struct {
		id uint32
		v  int64
	}{{1, 256}, {1, -5}, {2, 105}, {3, 7}, {4, 2}, {6, 1}, {99, 1}, {5, 9}} {
		if err := s.SetControl(h.id, h.v); !errors.Is(err, camera.ErrBadControl) {
			t.Errorf("SetControl(%d, %d) = %v, want ErrBadControl", h.id, h.v, err)
		}
	}
	if n := cam.setCount(); n != 0 || cam.presses != 0 {
		t.Errorf("%d sets and %d presses reached the driver", n, cam.presses)
	}
	if got := s.ctl.store.get(storeKey("usb-1.2", "Fake Cam", "")); len(got) != 0 {
		t.Errorf("store holds %v", got)
	}
}

func TestSetControlSetsAndSaves(t *testing.T) {
	cam := newFakeCtlCam()
	s := ctlSource(t, cam)
	if err := s.SetControl(1, 250); err != nil {
		t.Fatal(err)
	}
	if err := s.SetControl(5, 1); err != nil { // a button: pressed, not saved
		t.Fatal(err)
	}
	if v := cam.value(1); v != 250 {
		t.Errorf("driver value %d, want 250", v)
	}
	if cam.presses != 1 {
		t.Errorf("%d presses, want 1", cam.presses)
	}
	got := s.ctl.store.get(storeKey("usb-1.2", "Fake Cam", ""))
	if len(got) != 1 || got["Brightness"] != 250 {
		t.Errorf("saved %v, want just Brightness 250", got)
	}
}

func TestSetControlDriverErrorIsNotBadControl(t *testing.T) {
	cam := newFakeCtlCam()
	cam.failWith[1] = syscall.EBUSY
	s := ctlSource(t, cam)
	err := s.SetControl(1, 10)
	if !errors.Is(err, syscall.EBUSY) || errors.Is(err, camera.ErrBadControl) {
		t.Fatalf("got %v, want EBUSY and not ErrBadControl", err)
	}
	if got := s.ctl.store.get(storeKey("usb-1.2", "Fake Cam", "")); len(got) != 0 {
		t.Errorf("a refused value was saved: %v", got)
	}
}

func TestResetControls(t *testing.T) {
	cam := newFakeCtlCam()
	s := ctlSource(t, cam)
	for _, set := range [][2]int64{{1, 10}, {8, 1}, {7, 900}, {3, 1}} {
		if err := s.SetControl(uint32(set[0]), set[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.ResetControls(); err != nil {
		t.Fatal(err)
	}
	for _, c := range vividLike() {
		if c.Type != "button" && cam.value(c.ID) != c.Default && !c.readOnly {
			t.Errorf("%s = %d after reset, want default %d", c.Name, cam.value(c.ID), c.Default)
		}
	}
	if got := s.ctl.store.get(storeKey("usb-1.2", "Fake Cam", "")); len(got) != 0 {
		t.Errorf("store still holds %v after reset", got)
	}
	if cam.presses != 0 {
		t.Error("reset pressed a button")
	}
}

// TestResetIgnoresRefusalsOfInactiveControls: under auto exposure the
// driver moves exposure time itself and refuses to take a value (UVC's
// EACCES); reset must not call that a failure, but must report others.
func TestResetIgnoresRefusalsOfInactiveControls(t *testing.T) {
	cam := newFakeCtlCam()
	s := ctlSource(t, cam)
	cam.mu.Lock()
	cam.list[cam.index(7)].Value = 400 // auto exposure at work
	cam.mu.Unlock()
	if err := s.ResetControls(); err != nil {
		t.Fatalf("reset: %v", err)
	}
	if err := s.SetControl(2, 30); err != nil {
		t.Fatal(err)
	}
	cam.failWith[2] = syscall.EIO
	if err := s.ResetControls(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("reset with a failing active control: %v, want EIO", err)
	}
}

// TestSavedValuesComeBackOnReopen: values set while nobody watched are put
// back when Run opens the camera, and again after an unplug reset them;
// exposure time (listed before auto exposure, refused while auto is on)
// still lands through the retry.
func TestSavedValuesComeBackOnReopen(t *testing.T) {
	defer goleak.VerifyNone(t)
	jpg := testJPEG(t, 320, 240)
	w := newFakeWorld(jpg, mjpeg320, "/dev/video0")
	s := testSource(t, w, "/dev/video0")
	cam := newFakeCtlCam()
	s.ctl.open = cam.open
	for _, set := range [][2]int64{{1, 30}, {8, 1}, {7, 900}} {
		if err := s.SetControl(uint32(set[0]), set[1]); err != nil {
			t.Fatal(err)
		}
	}
	cam.replug()
	out := &sink{camera: jpg}
	stop := start(t, s, out.publish)
	defer stop()
	want := map[uint32]int64{1: 30, 8: 1, 7: 900}
	applied := func() bool {
		for id, v := range want {
			if cam.value(id) != v {
				return false
			}
		}
		return true
	}
	waitFor(t, "saved values applied on open", applied)

	w.set(func(w *fakeWorld) { w.plugged = false })
	waitFor(t, "NO SIGNAL", func() bool { _, ns := out.counts(); return ns >= 1 })
	cam.replug()
	before, _ := out.counts()
	w.set(func(w *fakeWorld) { w.plugged = true })
	waitFor(t, "frames after replug", func() bool { f, _ := out.counts(); return f >= before+3 })
	waitFor(t, "saved values applied after the replug", applied)
	if cam.live != 0 {
		t.Errorf("%d control nodes left open", cam.live)
	}
}

// TestNothingSavedOpensNothing: with no saved values, (re)opening the
// camera opens no extra node.
func TestNothingSavedOpensNothing(t *testing.T) {
	defer goleak.VerifyNone(t)
	jpg := testJPEG(t, 320, 240)
	w := newFakeWorld(jpg, mjpeg320, "/dev/video0")
	s := testSource(t, w, "/dev/video0")
	cam := newFakeCtlCam()
	s.ctl.open = cam.open
	out := &sink{camera: jpg}
	stop := start(t, s, out.publish)
	waitFor(t, "frames", func() bool { f, _ := out.counts(); return f >= 3 })
	stop()
	if cam.opens != 0 {
		t.Errorf("%d control opens with nothing saved", cam.opens)
	}
}

// TestOtherCameraInSamePortKeepsItsValues: the store is keyed by card as
// well as port, and by path only when there is no bus info.
func TestOtherCameraInSamePortKeepsItsValues(t *testing.T) {
	cam := newFakeCtlCam()
	s := ctlSource(t, cam)
	if err := s.SetControl(1, 5); err != nil {
		t.Fatal(err)
	}
	other := newFakeCtlCam()
	other.card = "Other Cam"
	s.ctl.open = other.open
	s.applySaved("/dev/video0", other.bus, other.card)
	if other.opens != 0 || other.value(1) != 128 {
		t.Errorf("another model in the same port got the values (opens %d, brightness %d)", other.opens, other.value(1))
	}
	noBus := newFakeCtlCam()
	noBus.bus = ""
	s.ctl.open = noBus.open
	if err := s.SetControl(1, 77); err != nil {
		t.Fatal(err)
	}
	if got := s.ctl.store.get(storeKey("", "Fake Cam", "/dev/video0")); got["Brightness"] != 77 {
		t.Errorf("bus-less camera saved under its path: %v", got)
	}
	if got := s.ctl.store.get(storeKey("usb-1.2", "Fake Cam", "")); got["Brightness"] != 5 {
		t.Errorf("the first camera's value changed: %v", got)
	}
}
