package httpstream

import (
	"fmt"
	"slices"
	"sync"

	"lancam/camera"
)

// ctlSource is a fakeSource whose camera has controls. SetControl records
// every call that reaches it, so tests can tell "refused by the server"
// from "refused by the camera".
type ctlSource struct {
	fakeSource
	mu     sync.Mutex
	list   []camera.Control
	sets   []string // "id=value" of every call that reached SetControl
	resets int
	setErr error // what the camera answers a set with (EBUSY, EIO)
}

func newCtlSource() *ctlSource {
	return &ctlSource{fakeSource: fakeSource{fps: 30}, list: []camera.Control{
		{ID: 9963776, Name: "Brightness", Type: "int", Min: 0, Max: 255, Step: 1, Default: 128, Value: 128},
		{ID: 9963777, Name: "Contrast", Type: "int", Min: 0, Max: 200, Step: 10, Default: 100, Value: 100},
		{ID: 9963796, Name: "Horizontal Flip", Type: "bool", Min: 0, Max: 1, Step: 1},
		{ID: 9963800, Name: "Power Line Frequency", Type: "menu", Min: 0, Max: 3, Step: 1, Default: 1, Value: 1,
			Menu: []camera.MenuItem{{Index: 0, Name: "Disabled"}, {Index: 1, Name: "50 Hz"}, {Index: 3, Name: "Auto"}}},
		{ID: 10094849, Name: "Auto Exposure", Type: "menu", Min: 0, Max: 3, Step: 1, Default: 3, Value: 3,
			Menu: []camera.MenuItem{{Index: 1, Name: "Manual Mode"}, {Index: 3, Name: "Aperture Priority Mode"}}},
		{ID: 10094850, Name: "Exposure Time, Absolute", Type: "int", Min: 1, Max: 5000, Step: 1, Default: 156, Value: 156, Inactive: true},
	}}
}

func (c *ctlSource) Controls() ([]camera.Control, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.list), nil
}

func (c *ctlSource) SetControl(id uint32, v int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sets = append(c.sets, fmt.Sprintf("%d=%d", id, v))
	if c.setErr != nil {
		return c.setErr
	}
	i := slices.IndexFunc(c.list, func(l camera.Control) bool { return l.ID == id })
	if i < 0 || v < c.list[i].Min || v > c.list[i].Max {
		return fmt.Errorf("%w: fake refuses %d=%d", camera.ErrBadControl, id, v)
	}
	c.list[i].Value = v
	return nil
}

func (c *ctlSource) ResetControls() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resets++
	for i := range c.list {
		c.list[i].Value = c.list[i].Default
	}
	return nil
}

// value is the camera's current value of id.
func (c *ctlSource) value(id uint32) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.list {
		if l.ID == id {
			return l.Value
		}
	}
	panic("no control")
}

func (c *ctlSource) calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sets)
}

// wrapped is a source that changes another's frames (like rotation): its
// camera's controls are reached through Unwrap only.
type wrapped struct{ camera.Source }

func (w wrapped) Unwrap() camera.Source { return w.Source }
