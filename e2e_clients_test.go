package main

// Client programs (ffprobe, ffmpeg, curl) and a plain Go GET.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lancam/internal/testenv"
)

// runTool runs a program to completion within toolTimeout and returns its
// output; err is its exit error, if any.
func runTool(t *testing.T, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s timed out after %v: %w", filepath.Base(name), toolTimeout, err)
	}
	return o.String(), e.String(), err
}

// curlHead runs curl with -D - (headers to stdout) and the given arguments,
// and parses the response head it printed.
func curlHead(t *testing.T, curl string, args ...string) *http.Response {
	t.Helper()
	out, stderr, err := runTool(t, curl, append([]string{"-s", "-D", "-", "-o", os.DevNull, "--max-time", "5"}, args...)...)
	if err != nil {
		t.Fatalf("curl %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return parseHead(t, out)
}

// parseHead parses an HTTP response head as printed by curl -D - or -I.
func parseHead(t *testing.T, head string) *http.Response {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(head)), &http.Request{Method: http.MethodHead})
	if err != nil {
		t.Fatalf("parsing response head: %v\n%s", err, head)
	}
	return resp
}

// httpGet fetches a URL with a short timeout and returns the response and
// body, failing the test on a transport error.
func httpGet(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp, body
}

// probeResult is what ffprobe says of a stream: its video stream(s) and
// the container format it detected.
type probeResult struct {
	Streams []struct {
		CodecName string `json:"codec_name"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
	} `json:"format"`
}

// ffprobeStream runs ffprobe on url (extra goes before the URL, e.g.
// "-f", "mpjpeg" to name the format) and fails the test unless it ran
// without a word on stderr and found exactly one video stream.
func ffprobeStream(t *testing.T, url string, extra ...string) probeResult {
	t.Helper()
	ffprobe := testenv.Tool(t, "ffprobe")
	args := append([]string{"-v", "error"}, extra...)
	args = append(args, "-select_streams", "v:0", "-show_entries",
		"stream=codec_name,width,height:format=format_name", "-of", "json", url)
	out, stderr, err := runTool(t, ffprobe, args...)
	if err != nil || stderr != "" {
		t.Fatalf("ffprobe: %v\nstderr: %s", err, stderr)
	}
	var probe probeResult
	if err := json.Unmarshal([]byte(out), &probe); err != nil {
		t.Fatalf("ffprobe output: %v\n%s", err, out)
	}
	if len(probe.Streams) != 1 {
		t.Fatalf("ffprobe found %d video streams, want 1:\n%s", len(probe.Streams), out)
	}
	return probe
}
