package ui

import (
	"bytes"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

var updateIcon = flag.Bool("update-icon", false, "rewrite ../Icon.png and ../packaging/icons from drawIcon")

// iconSizes are the hicolor sizes the .deb installs (scripts/package.sh).
var iconSizes = []int{16, 22, 24, 32, 48, 64, 128, 256, 512}

// TestIconFile keeps ../Icon.png (FyneApp.toml's icon) and the packages'
// hicolor icons (../packaging/icons) equal to what the app draws, each size
// drawn rather than scaled so small ones stay crisp; -update-icon rewrites
// them.
func TestIconFile(t *testing.T) {
	files := map[string]int{"../Icon.png": 512}
	for _, n := range iconSizes {
		files[fmt.Sprintf("../packaging/icons/hicolor/%dx%d/apps/lancam.png", n, n)] = n
	}
	var got []byte
	for path, n := range files {
		var b bytes.Buffer
		if err := png.Encode(&b, drawIcon(n, false, false)); err != nil {
			t.Fatal(err)
		}
		if *updateIcon {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		disk, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(disk, b.Bytes()) {
			t.Fatalf("%s is missing or stale (%v): run go test ./ui -run TestIconFile -update-icon", path, err)
		}
		if path == "../Icon.png" {
			got = disk
		}
	}
	img, _ := png.Decode(bytes.NewReader(got))
	if img.Bounds().Dx() != 512 || img.Bounds().Dy() != 512 {
		t.Errorf("icon is %v, want 512x512", img.Bounds())
	}
	idle, live := drawIcon(64, false, true), drawIcon(64, true, false)
	if bytes.Equal(idle.Pix, live.Pix) {
		t.Error("the tray's idle and streaming icons look the same")
	}
}
