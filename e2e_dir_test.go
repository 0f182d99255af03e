package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"lancam/internal/testenv"
)

// TestE2EDirSource serves a folder of JPEGs made by ffmpeg and checks that
// the stream passes them through byte for byte, in name order, round and
// round.
func TestE2EDirSource(t *testing.T) {
	t.Parallel()
	ffmpeg := testenv.Tool(t, "ffmpeg")
	dir := t.TempDir()
	_, stderr, err := runTool(t, ffmpeg, "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=5",
		"-frames:v", "5", "-q:v", "4", filepath.Join(dir, "f%02d.jpg"))
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, stderr)
	}
	var files [][]byte
	for i := 1; i <= 5; i++ {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("f%02d.jpg", i)))
		if err != nil {
			t.Fatal(err)
		}
		for j, f := range files {
			if bytes.Equal(f, b) {
				t.Fatalf("ffmpeg wrote the same picture twice (f%02d and f%02d)", j+1, i)
			}
		}
		files = append(files, b)
	}
	index := func(b []byte) int {
		for i, f := range files {
			if bytes.Equal(f, b) {
				return i
			}
		}
		return -1
	}

	l := startLancam(t, "-source", "dir:"+dir, "-fps", "20")
	st := getStatus(t, l)
	if st.Source.Kind != "dir" || st.Source.Device != dir || st.Source.Width != 320 || st.Source.Height != 240 {
		t.Errorf("/status source: %+v, want kind dir, device %s, 320x240", st.Source, dir)
	}

	s := openStream(t, l.url("/stream.mjpg"))
	var parts [][]byte
	for range 10 {
		parts = append(parts, s.nextJPEG(t))
	}
	first := index(parts[0])
	if first < 0 {
		t.Fatalf("the first part (%d bytes) is none of the files", len(parts[0]))
	}
	for i, p := range parts {
		if want := (first + i) % len(files); index(p) != want {
			t.Fatalf("part %d is file %d, want f%02d.jpg: the parts are not the files in name order (first was f%02d.jpg)",
				i, index(p)+1, want+1, first+1)
		}
	}

	resp, body := httpGet(t, l.url("/snapshot.jpg"))
	if resp.StatusCode != http.StatusOK || index(body) < 0 {
		t.Errorf("/snapshot.jpg: %s, %d bytes; want one of the files byte for byte", resp.Status, len(body))
	}
}
