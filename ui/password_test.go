package ui

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"lancam/camera"
	"lancam/httpstream"
)

// TestPasswordSettingRoundTrip: the password is saved and loaded like the
// other settings; one from the command line wins for the run and is never
// written to the preferences.
func TestPasswordSettingRoundTrip(t *testing.T) {
	a := test.NewTempApp(t)
	defaults := Settings{Source: "auto", Width: 1280, Height: 720, FPS: 30, Quality: 80, Listen: ":8080", Name: "pi"}
	st := newSettingsStore(a.Preferences(), defaults, nil)
	saved := st.Load()
	saved.Password = "saved pw ü"
	st.Save(saved)
	if got := newSettingsStore(a.Preferences(), defaults, nil).Load(); got != saved {
		t.Fatalf("after save = %+v, want the password back", got)
	}

	cli := defaults
	cli.Password = "from the command line"
	over := newSettingsStore(a.Preferences(), cli, map[string]bool{"password": true})
	s := over.Load()
	if s.Password != cli.Password || !over.PasswordOverridden() {
		t.Fatalf("with the flag: password %q, overridden %v", s.Password, over.PasswordOverridden())
	}
	over.Save(s)
	if got := a.Preferences().String(keyPassword); got != saved.Password {
		t.Errorf("a run with -password-file saved %q, want the saved one kept", got)
	}
	if got := newSettingsStore(a.Preferences(), cli, map[string]bool{"name": true}).Load(); got.Password != saved.Password {
		t.Errorf("without the flag: %q, want the saved password", got.Password)
	}
}

// TestPasswordSettingAppliesAtOnce: saving a password in the Settings tab
// makes the running server ask for it and the announcement say so;
// clearing it opens both again.
func TestPasswordSettingAppliesAtOnce(t *testing.T) {
	r := newTestRig(t, Settings{})
	tap(r.a.main.toggle)
	addr := r.srv.Addr()
	get := func(pass string) int {
		req, _ := http.NewRequest("GET", "http://"+addr+"/status", nil)
		if pass != "" {
			req.SetBasicAuth("lancam", pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(""); code != 200 {
		t.Fatalf("before a password: %d", code)
	}
	for _, pw := range []string{"first", "second", ""} {
		onMain(func() {
			tab := r.a.buildSettingsTab(r.a.current())
			_, port, _ := net.SplitHostPort(addr)
			tab.port.SetText(port) // the rig's ":0" is no port the tab accepts
			tab.password.SetText(pw)
			tab.save()
			if tab.note.Text != "Saved." {
				t.Errorf("note %q", tab.note.Text)
			}
		})
		want := map[bool]int{true: 200, false: 401}
		if got := get(pw); got != 200 {
			t.Errorf("password %q: the right one gets %d", pw, got)
		}
		if got := get("wrong"); got != want[pw == ""] {
			t.Errorf("password %q: a wrong one gets %d", pw, got)
		}
		r.lan.mu.Lock()
		auth := r.lan.auth
		r.lan.mu.Unlock()
		if auth != (pw != "") || r.srv.AuthRequired() != (pw != "") {
			t.Errorf("password %q: TXT auth %v, server asks %v", pw, auth, r.srv.AuthRequired())
		}
		if got := r.a.fyne.Preferences().String(keyPassword); got != pw {
			t.Errorf("saved password %q, want %q", got, pw)
		}
	}
}

// startAuthServer serves the test pattern on loopback, asking for
// lancam:right.
func startAuthServer(t *testing.T) (host string, port int) {
	t.Helper()
	src, err := camera.Open("test", camera.OpenConfig{Width: 320, Height: 240, FPS: 30, Quality: 80, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	hub := camera.NewHub(camera.HubConfig{Source: src, Logger: discard})
	srv := httpstream.New(httpstream.Config{Addr: "127.0.0.1:0", Hub: hub, Logger: discard,
		Auth: httpstream.NewBasicAuth("lancam", "right")})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop(); hub.Close() })
	h, p, _ := net.SplitHostPort(srv.Addr())
	port, _ = strconv.Atoi(p)
	return h, port
}

// TestViewerAsksForPassword: a peer that answers 401 makes its viewer ask
// for a password; a wrong one asks again, the right one plays and is
// remembered under the peer's id, so the next viewer plays without asking.
// A peer that announces auth=basic is asked for before any request.
func TestViewerAsksForPassword(t *testing.T) {
	host, port := startAuthServer(t)
	lan := newFakeLAN(true)
	v, loop := startLANView(t, lan, nil)
	lan.add(testPeer("cam", "Cam", host, port, map[string]string{"path": "/stream.mjpg"}))
	loop.waitUntil(t, "row", func() bool { return v.list.length() == 1 })

	var vw *viewer
	loop.wait(func() { v.OpenPeer("cam"); vw = v.viewerFor("peer:cam") })
	loop.waitUntil(t, "the password prompt", func() bool { return vw.prompt != nil })
	loop.wait(func() {
		if vw.prompt.user.Text != "lancam" || !vw.prompt.remember.Checked {
			t.Errorf("prompt: user %q, remember %v; want lancam and checked", vw.prompt.user.Text, vw.prompt.remember.Checked)
		}
		if _, text := vw.status(); text != textNeedsPassword {
			t.Errorf("overlay %q", text)
		}
		vw.prompt.password.SetText("wrong")
		vw.prompt.dlg.Submit()
	})
	loop.waitUntil(t, "the prompt again", func() bool { return vw.prompt != nil })
	loop.wait(func() {
		vw.prompt.password.SetText("right")
		vw.prompt.dlg.Submit()
	})
	loop.waitUntil(t, "frames", func() bool {
		n, _ := vw.view.stats()
		s, _ := vw.status()
		return s == httpstream.ClientPlaying && n >= 5
	})
	if got := v.cfg.App.Preferences().String("peerauth.cam"); got != "lancam:right" {
		t.Errorf("remembered %q, want lancam:right under peerauth.cam", got)
	}
	loop.wait(func() { vw.win.Close() })
	<-vw.done

	// Remembered: the next viewer plays without asking, and the
	// thumbnail fetch uses the password too.
	loop.wait(func() { v.OpenPeer("cam"); vw = v.viewerFor("peer:cam") })
	loop.waitUntil(t, "playing with the remembered password", func() bool {
		s, _ := vw.status()
		return s == httpstream.ClientPlaying && vw.prompt == nil
	})
	if img, err := v.thumbs.load(context.Background(), "http://"+net.JoinHostPort(host, strconv.Itoa(port))+"/snapshot.jpg",
		v.creds.peerAuthorization("cam")); err != nil || img == nil {
		t.Errorf("thumbnail with the stored password: %v", err)
	}
	loop.wait(func() { vw.win.Close() })
	<-vw.done

	// auth=basic in TXT: the prompt comes first; Cancel leaves it at that.
	lan.add(testPeer("locked", "Locked", host, port, map[string]string{"path": "/stream.mjpg", "auth": "basic"}))
	loop.waitUntil(t, "second row", func() bool { return v.list.length() == 2 })
	loop.wait(func() { v.OpenPeer("locked"); vw = v.viewerFor("peer:locked") })
	loop.waitUntil(t, "the prompt before connecting", func() bool { return vw.prompt != nil })
	loop.wait(func() { vw.prompt.dlg.Dismiss() }) // Cancel
	select {
	case <-vw.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the viewer still runs after Cancel")
	}
	if _, text := vw.status(); text != textLoginCanceled {
		t.Errorf("after Cancel: %q", text)
	}
	if v.cfg.App.Preferences().String("peerauth.locked") != "" {
		t.Error("credentials stored for a cancelled login")
	}
}

// TestCredKey: peers are keyed by id, typed URLs by host:port.
func TestCredKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"peer:3f2a9c", "peerauth.3f2a9c"},
		{"url:http://Cam.local/stream", "urlauth.cam.local:80"},
		{"url:https://cam.local/x", "urlauth.cam.local:443"},
		{"url:http://10.0.0.5:8080/?action=stream", "urlauth.10.0.0.5:8080"},
		{"url:http://[fe80::1]:81/", "urlauth.fe80::1:81"},
		{"url:nonsense", ""},
		{"peer:", ""},
		{"other", ""},
	} {
		if got := credKey(tc.in); got != tc.want {
			t.Errorf("credKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
