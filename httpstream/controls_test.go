package httpstream

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"syscall"
	"testing"

	"lancam/camera"
)

const (
	brightness = 9963776
	contrast   = 9963777
	autoExp    = 10094849
	exposure   = 10094850
)

// ctlRig serves "cam" (the first camera, with controls, behind a wrapper
// as rotation puts it) and "plain" (no controls).
type ctlRig struct {
	cam  *ctlSource
	base string
}

func newCtlRig(t *testing.T, auth *BasicAuth) *ctlRig {
	r := &ctlRig{cam: newCtlSource()}
	s := New(Config{Logger: discardLog, Auth: auth, Feeds: []Feed{
		{Name: "cam", Hub: newHub(t, wrapped{r.cam})},
		{Name: "plain", Hub: newHub(t, &fakeSource{fps: 30})},
	}})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	r.base = ts.URL
	return r
}

// do sends a request; hdr holds header pairs ("Content-Type", "...").
func (r *ctlRig) do(t *testing.T, method, target, body string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, r.base+target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if hdr == nil && body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := testClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func decodeControls(t *testing.T, body string) controlsDoc {
	t.Helper()
	var doc controlsDoc
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("not a controls document: %v: %s", err, body)
	}
	return doc
}

func TestControlsList(t *testing.T) {
	r := newCtlRig(t, nil)
	for _, target := range []string{"/controls", "/cam/cam/controls"} {
		code, body, h := r.do(t, "GET", target, "")
		if code != 200 || h.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %q", target, code, h.Get("Content-Type"))
		}
		doc := decodeControls(t, body)
		if doc.Camera != "cam" || !doc.Supported || len(doc.Controls) != len(r.cam.list) {
			t.Fatalf("%s: %+v", target, doc)
		}
		// The wire names, independent of the Go struct: what clients read.
		var raw struct {
			Controls []map[string]any `json:"controls"`
		}
		json.Unmarshal([]byte(body), &raw)
		for _, k := range []string{"id", "name", "type", "min", "max", "step", "default", "value"} {
			if _, ok := raw.Controls[0][k]; !ok {
				t.Errorf("%s: control lacks %q: %v", target, k, raw.Controls[0])
			}
		}
		if m, _ := raw.Controls[3]["menu"].([]any); len(m) != 3 {
			t.Errorf("%s: menu %v", target, raw.Controls[3]["menu"])
		}
	}
	code, body, _ := r.do(t, "GET", "/cam/plain/controls", "")
	if code != 200 || strings.TrimSpace(body) != `{"camera":"plain","supported":false,"controls":[]}` {
		t.Errorf("camera without controls: %d %s", code, body)
	}
	if code, body, _ := r.do(t, "HEAD", "/controls", ""); code != 200 || body != "" {
		t.Errorf("HEAD: %d %q", code, body)
	}
}

// TestControlsSet: every accepted form of a set, and what it changed.
func TestControlsSet(t *testing.T) {
	js := []string{"Content-Type", "application/json"}
	cases := []struct {
		name, target, body string
		hdr                []string
		want               map[uint32]int64
		calls              []string // the sets that reach the camera, in order
	}{
		{"form by id", "/controls", "id=9963776&value=200", nil, map[uint32]int64{brightness: 200}, []string{"9963776=200"}},
		{"form by hex id", "/controls", "id=0x980900&value=7", nil, map[uint32]int64{brightness: 7}, nil},
		{"form by name", "/cam/cam/controls", "name=contrast&value=30", nil, map[uint32]int64{contrast: 30}, nil},
		{"json one", "/controls", `{"id":9963776,"value":0}`, js, map[uint32]int64{brightness: 0}, nil},
		{"json charset", "/controls", `{"id":9963776,"value":1}`, []string{"Content-Type", "application/json; charset=utf-8"}, map[uint32]int64{brightness: 1}, nil},
		{"json list", "/controls", `{"controls":[{"id":9963776,"value":255},{"name":"Contrast","value":200}]}`, js,
			map[uint32]int64{brightness: 255, contrast: 200}, []string{"9963776=255", "9963777=200"}},
		{"json by name, in the order given", "/controls", `{"Auto Exposure":1,"Exposure Time, Absolute":300}`, js,
			map[uint32]int64{autoExp: 1, exposure: 300}, []string{"10094849=1", "10094850=300"}},
		{"json bool", "/controls", `{"Horizontal Flip":true}`, js, map[uint32]int64{9963796: 1}, nil},
		{"same-origin page", "/controls", "id=9963776&value=9", []string{"Content-Type", "application/x-www-form-urlencoded",
			"Sec-Fetch-Site", "same-origin", "Origin", "ORIGIN"}, map[uint32]int64{brightness: 9}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newCtlRig(t, nil)
			hdr := slices.Clone(tc.hdr)
			for i := range hdr {
				hdr[i] = strings.ReplaceAll(hdr[i], "ORIGIN", r.base)
			}
			code, body, _ := r.do(t, "POST", tc.target, tc.body, hdr...)
			if code != 200 {
				t.Fatalf("%d %s", code, body)
			}
			doc := decodeControls(t, body)
			for id, v := range tc.want {
				if got := r.cam.value(id); got != v {
					t.Errorf("control %d = %d, want %d", id, got, v)
				}
				i := slices.IndexFunc(doc.Controls, func(c camera.Control) bool { return c.ID == id })
				if doc.Controls[i].Value != v {
					t.Errorf("answer shows %d = %d, want the new %d", id, doc.Controls[i].Value, v)
				}
			}
			if tc.calls != nil && !slices.Equal(r.cam.calls(), tc.calls) {
				t.Errorf("calls %v, want %v", r.cam.calls(), tc.calls)
			}
		})
	}
}

func TestControlsReset(t *testing.T) {
	r := newCtlRig(t, nil)
	r.do(t, "POST", "/controls", "id=9963776&value=3")
	for _, body := range []string{"reset=1", `{"reset":true}`} {
		ct := "application/x-www-form-urlencoded"
		if body[0] == '{' {
			ct = "application/json"
		}
		if code, b, _ := r.do(t, "POST", "/controls", body, "Content-Type", ct); code != 200 {
			t.Fatalf("%s: %d %s", body, code, b)
		}
	}
	if r.cam.resets != 2 || r.cam.value(brightness) != 128 {
		t.Errorf("resets %d, brightness %d", r.cam.resets, r.cam.value(brightness))
	}
}

// TestControlsRefused: hostile or malformed requests get their status and
// change nothing; none even reaches the camera.
func TestControlsRefused(t *testing.T) {
	form := []string{"Content-Type", "application/x-www-form-urlencoded"}
	js := []string{"Content-Type", "application/json"}
	with := func(h ...string) []string { return append(slices.Clone(form), h...) }
	cases := []struct {
		name, target, body string
		hdr                []string
		code               int
	}{
		{"above max", "/controls", "id=9963776&value=256", form, 400},
		{"below min", "/controls", "id=9963776&value=-1", form, 400},
		{"int64 overflow", "/controls", "id=9963776&value=99999999999999999999", form, 400},
		{"off the step", "/controls", "id=9963777&value=35", form, 400},
		{"bool 2", "/controls", `{"Horizontal Flip":2}`, js, 400},
		{"menu gap", "/controls", "id=9963800&value=2", form, 400},
		{"unknown id", "/controls", "id=1&value=0", form, 400},
		{"unknown name", "/controls", "name=Zoom&value=0", form, 400},
		{"negative id", "/controls", `{"id":-1,"value":0}`, js, 400},
		{"float value", "/controls", `{"id":9963776,"value":1.5}`, js, 400},
		{"exponent value", "/controls", `{"Brightness":1e2}`, js, 400},
		{"string value", "/controls", `{"id":9963776,"value":"10"}`, js, 400},
		{"object value", "/controls", `{"Brightness":{}}`, js, 400},
		{"no value", "/controls", "id=9963776", form, 400},
		{"id and name", "/controls", "id=9963776&name=Brightness&value=1", form, 400},
		{"two ids in a form", "/controls", "id=9963776&value=1&id=9963777&value=10", form, 400},
		{"unknown field", "/controls", `{"id":9963776,"value":1,"force":true}`, js, 400},
		{"one bad among several", "/controls", `{"controls":[{"id":9963776,"value":10},{"id":9963777,"value":999}]}`, js, 400},
		{"empty list", "/controls", `{"controls":[]}`, js, 400},
		{"empty body", "/controls", "", form, 400},
		{"not JSON", "/controls", `{"id":`, js, 400},
		{"reset=0", "/controls", "reset=0", form, 400},
		{"text/plain", "/controls", "id=9963776&value=1", []string{"Content-Type", "text/plain"}, 415},
		{"no content type", "/controls", "id=9963776&value=1", []string{"X-None", "1"}, 415},
		{"multipart", "/controls", "x", []string{"Content-Type", "multipart/form-data; boundary=x"}, 415},
		{"huge body", "/controls", `{"Brightness":1,"x":"` + strings.Repeat("a", maxControlsBody) + `"}`, js, 413},
		{"cross-site fetch", "/controls", "id=9963776&value=1", with("Sec-Fetch-Site", "cross-site"), 403},
		{"same-site fetch", "/controls", "id=9963776&value=1", with("Sec-Fetch-Site", "same-site"), 403},
		{"foreign Origin", "/controls", "id=9963776&value=1", with("Origin", "http://evil.example"), 403},
		{"opaque Origin", "/controls", "id=9963776&value=1", with("Origin", "null"), 403},
		{"foreign Referer", "/controls", "id=9963776&value=1", with("Referer", "http://evil.example/x.html"), 403},
		{"foreign Origin, same-origin claim", "/controls", "id=9963776&value=1", with("Sec-Fetch-Site", "same-origin", "Origin", "http://evil.example"), 403},
		{"cross-site per camera", "/cam/cam/controls", "id=9963776&value=1", with("Origin", "http://evil.example"), 403},
		{"PUT", "/controls", "id=9963776&value=1", form, 405},
		{"DELETE per camera", "/cam/cam/controls", "", form, 405},
		{"no controls", "/cam/plain/controls", "id=9963776&value=1", form, 409},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newCtlRig(t, nil)
			method := "POST"
			if strings.HasPrefix(tc.name, "PUT") || strings.HasPrefix(tc.name, "DELETE") {
				method = strings.Fields(tc.name)[0]
			}
			code, body, h := r.do(t, method, tc.target, tc.body, tc.hdr...)
			if code != tc.code {
				t.Fatalf("%d %s, want %d", code, body, tc.code)
			}
			checkOneLine(t, []byte(body))
			if calls := r.cam.calls(); len(calls) != 0 {
				t.Errorf("sets reached the camera: %v", calls)
			}
			if r.cam.value(brightness) != 128 || r.cam.value(contrast) != 100 || r.cam.resets != 0 {
				t.Error("a control changed")
			}
			if code == 405 && h.Get("Allow") != "GET, HEAD, POST" {
				t.Errorf("Allow %q", h.Get("Allow"))
			}
		})
	}
}

// TestControlsCameraFails: a set the camera refuses is its failure (409
// busy, 502 otherwise), not the client's.
func TestControlsCameraFails(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
	}{{syscall.EBUSY, 409}, {syscall.EIO, 502}} {
		r := newCtlRig(t, nil)
		r.cam.setErr = tc.err
		code, body, _ := r.do(t, "POST", "/controls", "id=9963776&value=1")
		if code != tc.code || !strings.Contains(body, tc.err.Error()) {
			t.Errorf("%v: %d %q, want %d with the reason", tc.err, code, body, tc.code)
		}
	}
}
