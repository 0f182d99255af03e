package uvc

import (
	"slices"
	"sync"
	"syscall"

	"lancam/camera"
)

// fakeCtlCam is a camera's control set as a driver would keep it, opened
// through fakeCtlCam.open in place of a V4L2 node.
type fakeCtlCam struct {
	mu       sync.Mutex
	bus      string
	card     string
	list     []ctlInfo
	failWith map[uint32]error // set of that id fails with this error
	// needs makes a set fail with EACCES while another control has not a
	// given value (UVC: exposure time only while auto exposure is manual).
	needs   map[uint32][2]int64 // id -> {other id, value}
	sets    []setting           // every successful set, in order
	presses int                 // button presses
	opens   int
	live    int
}

// vividLike is a small control set with one of each kind the code handles.
func vividLike() []ctlInfo {
	return []ctlInfo{
		{Control: camera.Control{ID: 1, Name: "Brightness", Type: "int", Min: 0, Max: 255, Step: 1, Default: 128, Value: 128}},
		{Control: camera.Control{ID: 2, Name: "Contrast", Type: "int", Min: 0, Max: 200, Step: 10, Default: 100, Value: 100}},
		{Control: camera.Control{ID: 3, Name: "Mirror", Type: "bool", Min: 0, Max: 1, Step: 1, Default: 0}},
		{Control: camera.Control{ID: 4, Name: "Power Line Frequency", Type: "menu", Min: 0, Max: 3, Step: 1, Default: 1, Value: 1,
			Menu: []camera.MenuItem{{Index: 0, Name: "Disabled"}, {Index: 1, Name: "50 Hz"}, {Index: 3, Name: "Auto"}}}},
		{Control: camera.Control{ID: 5, Name: "Disconnect", Type: "button", Min: 0, Max: 1, Step: 1}},
		{Control: camera.Control{ID: 6, Name: "Signal Strength", Type: "int", Min: 0, Max: 100, Step: 1, Value: 40}, readOnly: true},
		{Control: camera.Control{ID: 7, Name: "Exposure Time, Absolute", Type: "int", Min: 1, Max: 5000, Step: 1, Default: 100, Value: 100, Inactive: true}},
		{Control: camera.Control{ID: 8, Name: "Auto Exposure", Type: "menu", Min: 0, Max: 3, Step: 1, Default: 3, Value: 3,
			Menu: []camera.MenuItem{{Index: 1, Name: "Manual Mode"}, {Index: 3, Name: "Aperture Priority Mode"}}}},
	}
}

func newFakeCtlCam() *fakeCtlCam {
	return &fakeCtlCam{bus: "usb-1.2", card: "Fake Cam", list: vividLike(), failWith: map[uint32]error{},
		needs: map[uint32][2]int64{7: {8, 1}}}
}

func (f *fakeCtlCam) open(string) (ctlNode, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opens++
	f.live++
	return &fakeCtlNode{f: f}, nil
}

// value returns the driver's current value of id.
func (f *fakeCtlCam) value(id uint32) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.list[f.index(id)].Value
}

// replug is a driver reload: every control back at its default.
func (f *fakeCtlCam) replug() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list, f.sets = vividLike(), nil
}

func (f *fakeCtlCam) setCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sets)
}

func (f *fakeCtlCam) index(id uint32) int {
	return slices.IndexFunc(f.list, func(c ctlInfo) bool { return c.ID == id })
}

type fakeCtlNode struct {
	f      *fakeCtlCam
	closed bool
}

func (n *fakeCtlNode) ident() (string, string) { return n.f.bus, n.f.card }

func (n *fakeCtlNode) controls() ([]ctlInfo, error) {
	n.f.mu.Lock()
	defer n.f.mu.Unlock()
	return slices.Clone(n.f.list), nil
}

func (n *fakeCtlNode) set(id uint32, v int32) error {
	f := n.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failWith[id]; err != nil {
		return err
	}
	i := f.index(id)
	if i < 0 {
		return syscall.EINVAL
	}
	if dep, ok := f.needs[id]; ok && f.list[f.index(uint32(dep[0]))].Value != dep[1] {
		return syscall.EACCES
	}
	if f.list[i].Type == "button" {
		f.presses++
		return nil
	}
	f.list[i].Value = int64(v)
	f.sets = append(f.sets, setting{id, f.list[i].Name, int64(v)})
	if id == 8 { // auto exposure decides whether exposure time counts
		f.list[f.index(7)].Inactive = v != 1
	}
	return nil
}

func (n *fakeCtlNode) close() error {
	if n.closed {
		panic("double close")
	}
	n.closed = true
	n.f.mu.Lock()
	n.f.live--
	n.f.mu.Unlock()
	return nil
}
