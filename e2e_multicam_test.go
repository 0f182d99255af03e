package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lancam/internal/testenv"
)

// streamsDoc is what the several-cameras test reads of /status.
type streamsDoc struct {
	ID      string `json:"id"`
	Streams []struct {
		Name   string `json:"name"`
		ID     string `json:"id"`
		On     bool   `json:"on"`
		Page   string `json:"page"`
		Stream string `json:"stream"`
		Source struct {
			Kind    string `json:"kind"`
			Width   int    `json:"width"`
			Running bool   `json:"running"`
		} `json:"source"`
		Clients []json.RawMessage `json:"clients"`
	} `json:"streams"`
}

func getStreams(t *testing.T, l *lancam) streamsDoc {
	t.Helper()
	resp, body := httpGet(t, l.url("/status"))
	var d streamsDoc
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &d) != nil {
		t.Fatalf("/status: %s %s", resp.Status, body)
	}
	return d
}

// TestE2ESeveralCameras: one lancam with two sources serves each at its
// own URLs (the first also at the classic ones) to ffprobe, lists both in
// /status with ids of their own, and runs each camera only while someone
// watches it.
func TestE2ESeveralCameras(t *testing.T) {
	t.Parallel()
	ffmpeg := testenv.Tool(t, "ffmpeg")
	dir := filepath.Join(t.TempDir(), "Garden")
	_, stderr, err := runTool(t, ffmpeg, "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=5",
		"-frames:v", "5", "-q:v", "4", filepath.Join(mkdir(t, dir), "f%02d.jpg"))
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, stderr)
	}
	l := startLancam(t, "-source", "test", "-source", "dir:"+dir, "-size", "640x360", "-fps", "10")
	if out := l.stdout.String(); !strings.Contains(out, "camera garden: open http://"+l.addr+"/cam/garden/") {
		t.Errorf("stdout does not give the second camera's page:\n%s", out)
	}

	d := getStreams(t, l)
	if len(d.Streams) != 2 {
		t.Fatalf("/status streams: %+v", d.Streams)
	}
	test, garden := d.Streams[0], d.Streams[1]
	if test.Name != "test" || test.Stream != "/stream.mjpg" || garden.Name != "garden" || garden.Stream != "/cam/garden/stream.mjpg" ||
		garden.Page != "/cam/garden/" || !garden.On || test.ID != d.ID || garden.ID == test.ID || len(garden.ID) != 16 {
		t.Errorf("/status streams: %+v", d.Streams)
	}
	if test.Source.Running || garden.Source.Running {
		t.Errorf("a camera runs with nobody watching: %+v", d.Streams)
	}

	for _, tc := range []struct {
		path  string
		width int
	}{
		{"/stream.mjpg", 640}, {"/cam/test/stream.mjpg", 640}, {"/?action=stream", 640},
		{"/cam/garden/stream.mjpg", 320}, {"/cam/garden/?action=stream", 320},
	} {
		if p := ffprobeStream(t, l.url(tc.path), "-f", "mpjpeg"); p.Streams[0].Width != tc.width {
			t.Errorf("%s: %dx%d, want width %d", tc.path, p.Streams[0].Width, p.Streams[0].Height, tc.width)
		}
	}

	// Watching the garden runs it alone.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", l.url("/cam/garden/stream.mjpg"), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, resp.Body)
	waitStreams(t, l, 10*time.Second, "the garden running, the test pattern stopped", func(d streamsDoc) bool {
		return d.Streams[1].Source.Running && len(d.Streams[1].Clients) == 1 && !d.Streams[0].Source.Running
	})
	cancel()
	resp.Body.Close()
	waitStreams(t, l, 10*time.Second, "the garden stopped once nobody watches", func(d streamsDoc) bool {
		return !d.Streams[1].Source.Running
	})
}

// waitStreams polls /status until cond holds.
func waitStreams(t *testing.T, l *lancam, timeout time.Duration, what string, cond func(streamsDoc) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		d := getStreams(t, l)
		if len(d.Streams) == 2 && cond(d) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; last %+v", what, timeout, d.Streams)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mkdir makes dir (and its parents) or fails the test.
func mkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
