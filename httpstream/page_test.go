package httpstream

import (
	"html"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var (
	titleRE = regexp.MustCompile(`(?s)<title>(.*?)</title>`)
	h1RE    = regexp.MustCompile(`(?s)<h1>(.*?)</h1>`)
)

// pageNames reads the page's <title> and <h1> as a browser shows them.
func pageNames(t *testing.T, body string) (title, h1 string) {
	t.Helper()
	tm, hm := titleRE.FindAllStringSubmatch(body, -1), h1RE.FindAllStringSubmatch(body, -1)
	if len(tm) != 1 || len(hm) != 1 {
		t.Fatalf("the page has %d <title> and %d <h1>, want one each", len(tm), len(hm))
	}
	return html.UnescapeString(tm[0][1]), html.UnescapeString(hm[0][1])
}

// TestPageNames: each camera's page is titled and headed with the camera's
// display name as it is now (renamed while serving), escaped (a hostile name
// adds no markup), and plain "lancam" when there is no name.
func TestPageNames(t *testing.T) {
	const hostile = `<script>alert("x")</script><img src=x onerror='y'> & Co`
	var mu sync.Mutex
	names := map[string]string{"front": "Kitchen", "back": hostile, "side": "  "}
	describe := func(cam string) func() (string, string) {
		return func() (string, string) {
			mu.Lock()
			defer mu.Unlock()
			return names[cam], "id-" + cam
		}
	}
	feed := func(name string) Feed {
		return Feed{Name: name, Hub: newHub(t, &fakeSource{fps: 30}), Describe: describe(name)}
	}
	s := New(Config{Feeds: []Feed{feed("front"), feed("back"), feed("side"),
		{Name: "plain", Hub: newHub(t, &fakeSource{fps: 30})}}, Logger: discardLog})
	get := func(method, target string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(method, target, nil))
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("%s %s: %d %q", method, target, rec.Code, rec.Header().Get("Content-Type"))
		}
		return rec
	}
	check := func(target, wantTitle, wantH1 string) {
		t.Helper()
		rec := get("GET", target)
		body := rec.Body.String()
		if title, h1 := pageNames(t, body); title != wantTitle || h1 != wantH1 {
			t.Errorf("%s: title %q h1 %q, want %q and %q", target, title, h1, wantTitle, wantH1)
		}
		if n := strings.Count(body, "<script"); n != 1 {
			t.Errorf("%s: %d <script> tags, want the page's one", target, n)
		}
		for _, bad := range []string{"<img src=x", "onerror='y'", `alert("x")`, "& Co"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: the name's %q is in the page unescaped", target, bad)
			}
		}
		if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(len(body)) {
			t.Errorf("%s: Content-Length %q for a %d-byte page", target, cl, len(body))
		}
		if head := get("HEAD", target); head.Header().Get("Content-Length") != rec.Header().Get("Content-Length") || head.Body.Len() != 0 {
			t.Errorf("HEAD %s: Content-Length %q, %d bytes of body", target, head.Header().Get("Content-Length"), head.Body.Len())
		}
	}
	check("/", "Kitchen — lancam", "Kitchen")
	check("/cam/front/", "Kitchen — lancam", "Kitchen")
	check("/cam/back/", hostile+" — lancam", hostile)
	check("/cam/side/", "lancam", "lancam")  // a blank name
	check("/cam/plain/", "lancam", "lancam") // no Describe
	check("/cam/back/?foo=bar", hostile+" — lancam", hostile)

	// Renamed in Settings: the next load shows the new name.
	mu.Lock()
	names["front"], names["back"] = "Garage camera", "Porch"
	mu.Unlock()
	check("/", "Garage camera — lancam", "Garage camera")
	check("/cam/back/", "Porch — lancam", "Porch")
}

// TestPageSlots: the page has exactly one place for each name, so that
// none is left unfilled or filled twice.
func TestPageSlots(t *testing.T) {
	for _, slot := range []string{"<title>{{title}}</title>", "<h1>{{name}}</h1>"} {
		if n := strings.Count(pageHTML, slot); n != 1 {
			t.Errorf("page.html has %q %d times, want once", slot, n)
		}
	}
	if n := strings.Count(pageHTML, "{{"); n != 2 {
		t.Errorf("page.html has %d {{…}} slots, want 2", n)
	}
}
