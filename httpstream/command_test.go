package httpstream

import (
	"net/http"
	"strings"
	"testing"
)

// TestControlsNeedPassword: the controls are behind the password like
// every other URL; a refused POST changes nothing.
func TestControlsNeedPassword(t *testing.T) {
	r := newCtlRig(t, NewBasicAuth("lancam", "s3cret"))
	for _, tc := range []struct{ method, target, body string }{
		{"GET", "/controls", ""},
		{"POST", "/controls", "id=9963776&value=1"},
		{"GET", "/?action=command&id=9963776&value=1", ""},
		{"PUT", "/controls", ""}, // not even the method is told
	} {
		if code, _, _ := r.do(t, tc.method, tc.target, tc.body); code != 401 {
			t.Errorf("%s %s without password: %d, want 401", tc.method, tc.target, code)
		}
	}
	if len(r.cam.calls()) != 0 {
		t.Fatal("a set passed without the password")
	}
	req, _ := http.NewRequest("POST", r.base+"/controls", strings.NewReader("id=9963776&value=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("lancam", "s3cret")
	resp, err := testClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || r.cam.value(brightness) != 1 {
		t.Errorf("with the password: %d, brightness %d", resp.StatusCode, r.cam.value(brightness))
	}
}

// TestCommand: mjpg-streamer's /?action=command.
func TestCommand(t *testing.T) {
	cases := []struct {
		name, method, target string
		hdr                  []string
		code                 int
		body                 string // expected answer for 200
		want                 int64  // brightness afterwards
	}{
		{"set", "GET", "/?action=command&id=9963776&value=200", nil, 200, "9963776: 0\n", 200},
		{"mjpg-streamer extras", "GET", "/?action=command&dest=0&plugin=0&id=9963776&group=1&value=5", nil, 200, "9963776: 0\n", 5},
		{"per camera", "GET", "/cam/cam/?action=command&id=9963776&value=7", nil, 200, "9963776: 0\n", 7},
		{"POST", "POST", "/?action=command&id=9963776&value=8", nil, 200, "9963776: 0\n", 8},
		{"out of range", "GET", "/?action=command&id=9963776&value=1000", nil, 400, "", 128},
		{"no id", "GET", "/?action=command&value=1", nil, 400, "", 128},
		{"bad value", "GET", "/?action=command&id=9963776&value=abc", nil, 400, "", 128},
		{"unknown id", "GET", "/?action=command&id=42&value=1", nil, 400, "", 128},
		{"cross-site img", "GET", "/?action=command&id=9963776&value=1", []string{"Sec-Fetch-Site", "cross-site"}, 403, "", 128},
		{"foreign Referer", "GET", "/?action=command&id=9963776&value=1", []string{"Referer", "http://evil.example/"}, 403, "", 128},
		{"HEAD", "HEAD", "/?action=command&id=9963776&value=1", nil, 405, "", 128},
		{"PUT", "PUT", "/?action=command&id=9963776&value=1", nil, 405, "", 128},
		{"no controls", "GET", "/cam/plain/?action=command&id=9963776&value=1", nil, 409, "", 128},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newCtlRig(t, nil)
			code, body, _ := r.do(t, tc.method, tc.target, "", tc.hdr...)
			if code != tc.code || tc.code == 200 && body != tc.body {
				t.Fatalf("%d %q, want %d %q", code, body, tc.code, tc.body)
			}
			if got := r.cam.value(brightness); got != tc.want {
				t.Errorf("brightness %d, want %d", got, tc.want)
			}
		})
	}
}

// TestPostElsewhereStillRefused: opening POST for the controls opened it
// nowhere else.
func TestPostElsewhereStillRefused(t *testing.T) {
	r := newCtlRig(t, nil)
	for _, target := range []string{"/", "/?action=snapshot", "/snapshot.jpg", "/status", "/cam/cam/", "/cam/cam/status", "/peers"} {
		code, _, h := r.do(t, "POST", target, "id=1&value=1")
		if code != 405 || h.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s: %d Allow %q", target, code, h.Get("Allow"))
		}
	}
}
