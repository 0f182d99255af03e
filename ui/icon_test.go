package ui

import (
	"bytes"
	"flag"
	"image/png"
	"os"
	"testing"
)

var updateIcon = flag.Bool("update-icon", false, "rewrite ../Icon.png from drawIcon")

// TestIconFile keeps ../Icon.png (FyneApp.toml's icon, used by packaging)
// equal to what the app draws; -update-icon rewrites it.
func TestIconFile(t *testing.T) {
	var b bytes.Buffer
	if err := png.Encode(&b, drawIcon(512, false, false)); err != nil {
		t.Fatal(err)
	}
	if *updateIcon {
		if err := os.WriteFile("../Icon.png", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("../Icon.png")
	if err != nil || !bytes.Equal(got, b.Bytes()) {
		t.Fatalf("../Icon.png is missing or stale (%v): run go test ./ui -run TestIconFile -update-icon", err)
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
