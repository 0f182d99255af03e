package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// TestSettingsRoundTrip: what is saved comes back; flags given on the
// command line win for the run without being saved.
func TestSettingsRoundTrip(t *testing.T) {
	a := test.NewTempApp(t)
	defaults := Settings{Source: "auto", Width: 1280, Height: 720, FPS: 30, Quality: 80, Listen: ":8080", Name: "pi"}
	st := newSettingsStore(a.Preferences(), defaults, nil)
	if got := st.Load(); got != defaults {
		t.Fatalf("fresh load = %+v, want the defaults %+v", got, defaults)
	}
	saved := Settings{Source: "/dev/video2", Width: 640, Height: 480, FPS: 15, Quality: 60, Listen: ":9000", Name: "Küche",
		StreamOnLaunch: true, StartHidden: true, StartAtLogin: true, Rotate: 270, Mirror: true, Overlay: "%H:%M %N"}
	st.Save(saved)
	if got := newSettingsStore(a.Preferences(), defaults, nil).Load(); got != saved {
		t.Fatalf("after save = %+v, want %+v", got, saved)
	}

	flags := Settings{Source: "test", Width: 320, Height: 240, FPS: 5, Quality: 90, Listen: "127.0.0.1:7000", Name: "cli",
		Rotate: 90, Overlay: "%Y"}
	for _, tc := range []struct {
		set  map[string]bool
		want Settings
	}{
		{map[string]bool{"source": true}, func() Settings { s := saved; s.Source = "test"; return s }()},
		{map[string]bool{"size": true, "fps": true}, func() Settings { s := saved; s.Width, s.Height, s.FPS = 320, 240, 5; return s }()},
		{map[string]bool{"quality": true, "listen": true, "name": true}, func() Settings {
			s := saved
			s.Quality, s.Listen, s.Name = 90, "127.0.0.1:7000", "cli"
			return s
		}()},
		{map[string]bool{"rotate": true}, func() Settings { s := saved; s.Rotate = 90; return s }()},
		{map[string]bool{"mirror": true, "overlay": true}, func() Settings { s := saved; s.Mirror, s.Overlay = false, "%Y"; return s }()},
		{map[string]bool{"headless": true, "max-clients": true}, saved},
	} {
		if got := newSettingsStore(a.Preferences(), flags, tc.set).Load(); got != tc.want {
			t.Errorf("flags %v: %+v, want %+v", tc.set, got, tc.want)
		}
	}
	if got := newSettingsStore(a.Preferences(), defaults, nil).Load(); got != saved {
		t.Errorf("a run with flags changed the saved settings: %+v", got)
	}
}

// TestSettingsRotationFromAFileIsAQuarterTurn: a hand-edited preferences
// file asking for 45° opens the camera upright instead of failing.
func TestSettingsRotationFromAFileIsAQuarterTurn(t *testing.T) {
	a := test.NewTempApp(t)
	for _, tc := range []struct{ saved, want int }{{180, 180}, {45, 0}, {-90, 0}, {360, 0}} {
		a.Preferences().SetInt(keyRotate, tc.saved)
		if got := newSettingsStore(a.Preferences(), Settings{}, nil).Load().Rotate; got != tc.want {
			t.Errorf("saved rotate %d loads as %d, want %d", tc.saved, got, tc.want)
		}
	}
}

// TestSettingsPort checks the port helpers keep the host part.
func TestSettingsPort(t *testing.T) {
	for _, tc := range []struct{ listen, want string }{{":8080", ":9001"}, {"127.0.0.1:8080", "127.0.0.1:9001"}, {"[::1]:80", "[::1]:9001"}} {
		s := Settings{Listen: tc.listen}
		if got := s.WithPort(9001); got.Listen != tc.want || got.Port() != 9001 {
			t.Errorf("%q with port 9001 = %q (port %d), want %q", tc.listen, got.Listen, got.Port(), tc.want)
		}
	}
}

// TestAutostart writes and removes the XDG autostart entry, with an Exec
// line quoted per the Desktop Entry spec.
func TestAutostart(t *testing.T) {
	dir := t.TempDir()
	exe := `/opt/my apps/lancam$"x`
	if err := setAutostart(dir, exe, true); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "autostart", "lancam.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[Desktop Entry]", "Type=Application", "Name=lancam", `Exec="/opt/my apps/lancam\\$\\"x"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("entry lacks %q:\n%s", want, b)
		}
	}
	if err := setAutostart(dir, exe, false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "autostart", "lancam.desktop")); !os.IsNotExist(err) {
		t.Errorf("entry still there after disabling: %v", err)
	}
	if err := setAutostart(dir, exe, false); err != nil {
		t.Errorf("disabling twice: %v", err)
	}
}
