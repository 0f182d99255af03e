package uvc

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var camA = storeKey("usb-0000:00:14.0-1", "HD Webcam", "/dev/video0")

func TestControlStoreFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conf", "controls.json") // folder made on demand
	st := NewControlStore(path)
	if got := st.get(camA); len(got) != 0 {
		t.Fatalf("empty store gave %v", got)
	}
	if err := st.set(camA, "Brightness", 200); err != nil {
		t.Fatal(err)
	}
	if err := st.set(camA, "Contrast", 10); err != nil {
		t.Fatal(err)
	}
	// A later lancam reads what this one wrote.
	if got := NewControlStore(path).get(camA); got["Brightness"] != 200 || got["Contrast"] != 10 || len(got) != 2 {
		t.Fatalf("reread %v", got)
	}
	var doc struct {
		Cameras map[string]struct {
			BusInfo  string           `json:"bus_info"`
			Card     string           `json:"card"`
			Controls map[string]int64 `json:"controls"`
		} `json:"cameras"`
	}
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("file is not JSON: %v\n%s", err, b)
	}
	for _, c := range doc.Cameras {
		if c.BusInfo != "usb-0000:00:14.0-1" || c.Card != "HD Webcam" {
			t.Errorf("entry names %q %q", c.BusInfo, c.Card)
		}
	}
	if err := st.clear(camA); err != nil {
		t.Fatal(err)
	}
	if got := NewControlStore(path).get(camA); len(got) != 0 {
		t.Errorf("after clear: %v", got)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".controls-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestControlStoreReturnsCopies(t *testing.T) {
	st := NewControlStore("")
	st.set(camA, "Brightness", 1)
	st.get(camA)["Brightness"] = 99
	if st.get(camA)["Brightness"] != 1 {
		t.Error("a caller's map changed the store")
	}
}

// TestControlStoreTwoProcesses: two stores on one file (two lancams
// sharing a config folder) writing at once lose nothing.
func TestControlStoreTwoProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "controls.json")
	a, b := NewControlStore(path), NewControlStore(path)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(2)
		go func() { defer wg.Done(); a.set(camA, fmt.Sprint("a", i), int64(i)) }()
		go func() { defer wg.Done(); b.set(camA, fmt.Sprint("b", i), int64(i)) }()
	}
	wg.Wait()
	got := NewControlStore(path).get(camA)
	if len(got) != 40 {
		t.Fatalf("%d of 40 values survived: %v", len(got), got)
	}
	// Each store also sees the other's values.
	if a.get(camA)["b7"] != 7 || b.get(camA)["a7"] != 7 {
		t.Error("a store does not see the other's writes")
	}
}

func TestControlStoreCorruptFileKeptAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "controls.json")
	os.WriteFile(path, []byte("{not json"), 0o644)
	st := NewControlStore(path)
	if got := st.get(camA); len(got) != 0 {
		t.Errorf("corrupt file gave %v", got)
	}
	if err := st.set(camA, "Brightness", 3); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path + ".bad"); err != nil || string(b) != "{not json" {
		t.Errorf("corrupt file not kept as .bad: %q %v", b, err)
	}
	if got := NewControlStore(path).get(camA); got["Brightness"] != 3 {
		t.Errorf("new file holds %v", got)
	}
}

func TestControlStoreUnwritable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o644)
	st := NewControlStore(filepath.Join(blocker, "controls.json")) // parent is a file
	if err := st.set(camA, "Brightness", 3); err == nil {
		t.Fatal("no error writing under a file")
	}
}

func TestStoreKey(t *testing.T) {
	cases := []struct {
		a, b cameraKey
		same bool
	}{
		{storeKey("usb-1", "Cam", "/dev/video0"), storeKey("usb-1", "Cam", "/dev/video2"), true},  // renumbered node
		{storeKey("usb-1", "Cam", "/dev/video0"), storeKey("usb-2", "Cam", "/dev/video0"), false}, // other port
		{storeKey("usb-1", "Cam", "/dev/video0"), storeKey("usb-1", "Other", "/dev/video0"), false},
		{storeKey("", "Cam", "/dev/video0"), storeKey("", "Cam", "/dev/video1"), false},
	}
	for _, tc := range cases {
		if (tc.a.String() == tc.b.String()) != tc.same {
			t.Errorf("%q vs %q: same %v, want %v", tc.a, tc.b, !tc.same, tc.same)
		}
	}
}
