package uvc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"

	"lancam/internal/atomicfile"
)

// ControlStore keeps the control values set on V4L2 cameras, so that they
// come back whenever a camera is opened again: after an unplug, after
// nobody watched for a while and, with a file, after lancam restarts.
//
// A camera is known by its bus info (the USB port) and card name (the
// model): the same camera in the same port gets its values back, another
// model plugged into that port does not. Values are kept by control name,
// which stays readable in the file and the same across kernel versions.
//
// It is safe for concurrent use, also by several lancam processes sharing
// the file: each change re-reads the file under a lock (path + ".lock")
// and replaces it atomically.
type ControlStore struct {
	path string // "" keeps the values in memory only

	mu  sync.Mutex
	mem map[string]storedCamera
}

// storeDoc is the file's layout.
type storeDoc struct {
	Cameras map[string]storedCamera `json:"cameras"`
}

// storedCamera is one camera's entry, with its identity spelled out for
// whoever reads the file.
type storedCamera struct {
	BusInfo  string           `json:"bus_info,omitempty"`
	Card     string           `json:"card"`
	Device   string           `json:"device,omitempty"` // only when the driver gives no bus info
	Controls map[string]int64 `json:"controls"`
}

// cameraKey identifies a camera in the store.
type cameraKey struct{ bus, card, path string }

// storeKey names the camera with bus info bus and card name card, found at
// path; the path only counts when the driver reports no bus info.
func storeKey(bus, card, path string) cameraKey {
	if bus != "" {
		path = ""
	}
	return cameraKey{bus, card, path}
}

func (k cameraKey) String() string {
	if k.bus != "" {
		return k.bus + " " + k.card
	}
	return k.path + " " + k.card
}

// NewControlStore returns a store backed by the JSON file at path (e.g.
// ~/.config/lancam/controls.json), or kept in memory when path is "".
// Nothing is read or written until it is used; a missing file is empty.
func NewControlStore(path string) *ControlStore {
	return &ControlStore{path: path, mem: map[string]storedCamera{}}
}

// get returns the values saved for k (nil if none). A file that cannot be
// read counts as empty: the camera then keeps its driver's values.
func (st *ControlStore) get(k cameraKey) map[string]int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.path != "" {
		if doc, err := readStore(st.path); err == nil {
			st.mem = doc.Cameras
		}
	}
	return maps.Clone(st.mem[k.String()].Controls)
}

// set saves one value for k.
func (st *ControlStore) set(k cameraKey, name string, v int64) error {
	return st.update(func(cams map[string]storedCamera) {
		c, ok := cams[k.String()]
		if !ok {
			c = storedCamera{BusInfo: k.bus, Card: k.card, Device: k.path, Controls: map[string]int64{}}
		}
		c.Controls[name] = v
		cams[k.String()] = c
	})
}

// clear forgets every value saved for k.
func (st *ControlStore) clear(k cameraKey) error {
	return st.update(func(cams map[string]storedCamera) { delete(cams, k.String()) })
}

// update applies change to the newest contents and writes them back.
func (st *ControlStore) update(change func(map[string]storedCamera)) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.path == "" {
		change(st.mem)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(st.path), 0o755); err != nil {
		return err
	}
	unlock, err := lockFile(st.path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	doc, err := readStore(st.path)
	if err != nil {
		// Kept aside rather than overwritten: it may be worth a look.
		if rerr := os.Rename(st.path, st.path+".bad"); rerr != nil {
			return errors.Join(err, rerr)
		}
		doc = storeDoc{Cameras: map[string]storedCamera{}}
	}
	change(doc.Cameras)
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Replace(st.path, append(b, '\n')); err != nil {
		return err
	}
	st.mem = doc.Cameras
	return nil
}

// readStore reads the file at path; a missing file is an empty store.
func readStore(path string) (storeDoc, error) {
	doc := storeDoc{}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return storeDoc{Cameras: map[string]storedCamera{}}, nil
	}
	if err != nil {
		return doc, err
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return doc, fmt.Errorf("%s: %w", path, err)
	}
	if doc.Cameras == nil {
		doc.Cameras = map[string]storedCamera{}
	}
	for k, c := range doc.Cameras {
		if c.Controls == nil {
			c.Controls = map[string]int64{}
			doc.Cameras[k] = c
		}
	}
	return doc, nil
}

// lockFile takes an exclusive lock that other processes honour; the lock
// is on a file of its own because the store itself is replaced by rename.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil // closing releases the lock
}

// Values returns what was saved for the camera at bus with card name card
// (nil if nothing): for cameras that are not V4L2 nodes, such as Camera
// Modules ("picam:N" as bus, the sensor model as card).
func (st *ControlStore) Values(bus, card string) map[string]int64 {
	return st.get(storeKey(bus, card, ""))
}

// Save keeps one value for that camera.
func (st *ControlStore) Save(bus, card, name string, v int64) error {
	return st.set(storeKey(bus, card, ""), name, v)
}

// Forget drops every value kept for that camera.
func (st *ControlStore) Forget(bus, card string) error {
	return st.clear(storeKey(bus, card, ""))
}
