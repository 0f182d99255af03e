package uvc

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"lancam/camera"
)

var _ camera.Controller = (*Source)(nil)

// ctlInfo is one control as the driver describes it, with its current value.
type ctlInfo struct {
	camera.Control
	readOnly bool
}

// ctlNode is a node opened for control calls only. V4L2 allows any number
// of opens besides the streaming one, and controls belong to the device,
// not to a file handle, so a set through it shows in the running stream.
type ctlNode interface {
	ident() (busInfo, card string)
	// controls lists the controls lancam can offer, with current values.
	controls() ([]ctlInfo, error)
	set(id uint32, v int32) error
	close() error
}

// ctlOpenFunc opens path for control calls; the V4L2 one is openCtlV4L.
type ctlOpenFunc func(path string) (ctlNode, error)

// controlState is what a Source keeps for its controls.
type controlState struct {
	// mu makes check, set and save one step, so that two clients setting
	// at once cannot leave the camera and the store disagreeing.
	mu    sync.Mutex
	open  ctlOpenFunc
	store *ControlStore
}

func newControlState(saved *ControlStore) controlState {
	if saved == nil {
		saved = NewControlStore("") // values still come back after an unplug
	}
	return controlState{open: openCtlV4L, store: saved}
}

// Controls implements camera.Controller. Read-only controls are left out:
// nobody can change them, and the window would draw dead sliders.
func (s *Source) Controls() ([]camera.Control, error) {
	n, err := s.openCtl()
	if err != nil {
		return nil, err
	}
	defer n.close()
	list, err := n.controls()
	if err != nil {
		return nil, err
	}
	out := make([]camera.Control, 0, len(list))
	for _, c := range list {
		if !c.readOnly {
			out = append(out, c.Control)
		}
	}
	return out, nil
}

// SetControl implements camera.Controller. A value that the camera took is
// saved for this camera (bus info and card), buttons excepted: pressing one
// again on every reopen would be an action, not a setting.
func (s *Source) SetControl(id uint32, value int64) error {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	n, err := s.openCtl()
	if err != nil {
		return err
	}
	defer n.close()
	list, err := n.controls()
	if err != nil {
		return err
	}
	c, err := checkValue(list, id, value)
	if err != nil {
		return err
	}
	if err := n.set(id, int32(value)); err != nil {
		return fmt.Errorf("%s = %d: %w", c.Name, value, err)
	}
	if c.Type != "button" {
		bus, card := n.ident()
		if err := s.ctl.store.set(storeKey(bus, card, s.currentPath()), c.Name, value); err != nil {
			s.log.Warn("control set but not saved", "control", c.Name, "err", err)
		}
	}
	return nil
}

// ResetControls implements camera.Controller and forgets the values saved
// for this camera.
func (s *Source) ResetControls() error {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	n, err := s.openCtl()
	if err != nil {
		return err
	}
	defer n.close()
	bus, card := n.ident()
	if err := s.ctl.store.clear(storeKey(bus, card, s.currentPath())); err != nil {
		s.log.Warn("saved controls not forgotten", "err", err)
	}
	list, err := n.controls()
	if err != nil {
		return err
	}
	var want []setting
	for _, c := range list {
		if settable(c) && c.Value != c.Default {
			want = append(want, setting{c.ID, c.Name, c.Default})
		}
	}
	failed := applyAll(n, want)
	if len(failed) > 0 {
		// A control the driver now ignores (exposure time once auto
		// exposure is back on) may refuse its default: that is no failure.
		if now, err := n.controls(); err == nil {
			failed = slices.DeleteFunc(failed, func(f failure) bool {
				i := slices.IndexFunc(now, func(c ctlInfo) bool { return c.ID == f.id })
				return i >= 0 && now[i].Inactive
			})
		}
	}
	return joinFailures(failed)
}

// applySaved puts back what was set on the camera at path before it was
// closed or unplugged. Nothing is opened when nothing was saved for it.
func (s *Source) applySaved(path, bus, card string) {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	saved := s.ctl.store.get(storeKey(bus, card, path))
	if len(saved) == 0 {
		return
	}
	n, err := s.ctl.open(path)
	if err != nil {
		s.log.Warn("saved controls not applied", "err", err)
		return
	}
	defer n.close()
	list, err := n.controls()
	if err != nil {
		s.log.Warn("saved controls not applied", "err", err)
		return
	}
	var want []setting
	for _, c := range list {
		v, ok := saved[c.Name]
		if !ok || !settable(c) || v == c.Value {
			continue
		}
		if _, err := checkValue(list, c.ID, v); err != nil {
			s.log.Warn("saved control value not applied", "err", err)
			continue
		}
		want = append(want, setting{c.ID, c.Name, v})
	}
	if failed := applyAll(n, want); len(failed) > 0 {
		s.log.Warn("saved controls partly applied", "err", joinFailures(failed))
	} else if len(want) > 0 {
		s.log.Info("saved controls applied", "count", len(want))
	}
}

// openCtl opens the node the source uses now (it may have moved).
func (s *Source) openCtl() (ctlNode, error) {
	return s.ctl.open(s.currentPath())
}

func (s *Source) currentPath() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.path
}

// settable reports whether a control takes part in saving and resetting.
func settable(c ctlInfo) bool { return !c.readOnly && c.Type != "button" }

// setting is one value to write.
type setting struct {
	id    uint32
	name  string
	value int64
}

// failure is a setting the driver refused, and why.
type failure struct {
	setting
	err error
}

// applyAll writes want in order, then retries what failed once: UVC
// cameras refuse e.g. an exposure time while auto exposure is still on,
// and the auto control may come later in the list. It returns what
// failed twice.
func applyAll(n ctlNode, want []setting) []failure {
	var retry []setting
	for _, w := range want {
		if n.set(w.id, int32(w.value)) != nil {
			retry = append(retry, w)
		}
	}
	var failed []failure
	for _, w := range retry {
		if err := n.set(w.id, int32(w.value)); err != nil {
			failed = append(failed, failure{w, err})
		}
	}
	return failed
}

func joinFailures(fs []failure) error {
	var errs []error
	for _, f := range fs {
		errs = append(errs, fmt.Errorf("%s = %d: %w", f.name, f.value, f.err))
	}
	return errors.Join(errs...)
}

// checkValue finds id in list and checks that it can take v: an existing,
// writable control, v within its range and on its step, 0 or 1 for a
// bool, an index its menu offers. Every refusal wraps camera.ErrBadControl.
func checkValue(list []ctlInfo, id uint32, v int64) (ctlInfo, error) {
	i := slices.IndexFunc(list, func(c ctlInfo) bool { return c.ID == id })
	if i < 0 {
		return ctlInfo{}, fmt.Errorf("%w: no control with id %d", camera.ErrBadControl, id)
	}
	c := list[i]
	if c.readOnly {
		return c, fmt.Errorf("%w: %s: read-only", camera.ErrBadControl, c.Name)
	}
	return c, c.Check(v)
}
