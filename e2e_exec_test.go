package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"lancam/internal/proctest"
	"lancam/internal/testenv"
)

// fakePicamPath is a PATH whose rpicam-vid and rpicam-hello are the test
// fakes (rpicam-vid runs ffmpeg at the size and rate asked for).
func fakePicamPath(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("camera/picam/testdata/fakebin")
	if err != nil {
		t.Fatal(err)
	}
	return "PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH")
}

// probeStream is ffprobeStream's verdict on url as "codec WxH".
func probeStream(t *testing.T, url string) string {
	t.Helper()
	s := ffprobeStream(t, url).Streams[0]
	return fmt.Sprintf("%s %dx%d", s.CodecName, s.Width, s.Height)
}

// TestE2EExecSource: -source exec:COMMAND. The command runs only while
// someone watches, and neither stopping to watch nor SIGTERM nor SIGKILL of
// lancam leaves it running. ffmpeg stands in for a well-behaved producer;
// for SIGKILL a script that survives SIGTERM, SIGPIPE and write errors does
// (ffmpeg would die of the broken pipe by itself), so only the kernel's
// parent-death signal can end it.
func TestE2EExecSource(t *testing.T) {
	t.Parallel()
	ffmpeg := testenv.Tool(t, "ffmpeg")
	frame := filepath.Join(t.TempDir(), "frame.jpg")
	if _, stderr, err := runTool(t, ffmpeg, "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240",
		"-frames:v", "1", frame); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, stderr)
	}
	stubborn, _ := filepath.Abs("camera/testdata/exec/stubborn.sh")
	for _, tc := range []struct {
		sig     syscall.Signal
		command string
	}{
		{syscall.SIGTERM, "ffmpeg -nostdin -loglevel error -re -f lavfi -i testsrc2=size=320x240:rate=10 -f mjpeg -q:v 5 -"},
		{syscall.SIGKILL, stubborn + " " + frame},
	} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			marker := proctest.Marker("e2e-exec")
			l := startLancamCmd(t, []string{lancamBin}, []string{marker}, "-source", "exec:"+tc.command)
			if left := proctest.With(marker); len(left) != 1 {
				t.Fatalf("before anyone watches, want only lancam itself: %v", left)
			}
			if got := probeStream(t, l.url("/stream.mjpg")); got != "mjpeg 320x240" {
				t.Errorf("ffprobe: %s, want mjpeg 320x240", got)
			}
			st := getStatus(t, l)
			if st.Source.Kind != "exec" || st.Source.Device != tc.command {
				t.Errorf("/status source %+v", st.Source)
			}
			// Nobody watches now: after the hub's grace the command goes.
			if left := proctest.WaitGone(marker, 8*time.Second); len(left) != 1 {
				t.Errorf("after the last viewer left, want only lancam: %v", left)
			}
			s := openStream(t, l.url("/stream.mjpg"))
			s.nextJPEG(t)
			if left := proctest.With(marker); len(left) < 2 {
				t.Errorf("while watched, want lancam and its command: %v", left)
			}
			if tc.sig == syscall.SIGTERM {
				l.stop(t, tc.sig)
			} else {
				l.stopOnce.Do(func() {}) // no clean exit to check here
				l.cmd.Process.Signal(tc.sig)
				l.waitExit(stopTimeout)
			}
			s.close()
			if left := proctest.WaitGone(marker, 3*time.Second); len(left) > 0 {
				t.Errorf("after %v of lancam: %v", tc.sig, left)
			}
		})
	}
}

// TestE2EPicam: -source picam through fake rpicam-apps: the rpicam-vid
// command line follows -size, -fps and -quality, the stream has that size,
// and /status and -list-cameras show the modules rpicam-hello lists.
func TestE2EPicam(t *testing.T) {
	t.Parallel()
	testenv.Tool(t, "ffmpeg")
	args := filepath.Join(t.TempDir(), "args")
	env := []string{fakePicamPath(t), "LANCAM_FAKE_ARGS=" + args}
	for _, source := range []string{"picam", "auto"} {
		t.Run(source, func(t *testing.T) {
			os.Remove(args)
			l := startLancamCmd(t, []string{lancamBin}, env, "-source", source, "-size", "320x240", "-fps", "12", "-quality", "70")
			if got := probeStream(t, l.url("/stream.mjpg")); got != "mjpeg 320x240" {
				t.Errorf("ffprobe: %s, want mjpeg 320x240", got)
			}
			st := getStatus(t, l)
			if st.Source.Kind != "picam" || !strings.Contains(st.Source.Device, "Camera Module") {
				t.Errorf("/status source %+v, want a picam Camera Module", st.Source)
			}
			var paths []string
			for _, c := range st.Cameras {
				paths = append(paths, c.Path)
			}
			if !slices.Contains(paths, "picam:0") || !slices.Contains(paths, "picam:1") {
				t.Errorf("/status cameras %v, want picam:0 and picam:1", paths)
			}
			b, _ := os.ReadFile(args)
			argv := strings.Split(strings.TrimSpace(string(b)), "\n")
			want := []string{"rpicam-vid", "-t", "0", "--camera", "0", "--codec", "mjpeg", "--width", "320",
				"--height", "240", "--framerate", "12", "-q", "70", "--nopreview", "-o", "-", "--"}
			if len(argv) < len(want) || filepath.Base(argv[0]) != want[0] || !slices.Equal(argv[1:len(want)], want[1:]) {
				t.Errorf("rpicam-vid ran as %q, want %q", argv, want)
			}
		})
	}
	cmd := exec.Command(lancamBin, "-list-cameras")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "picam:0") || !strings.Contains(string(out), "picam:1") {
		t.Errorf("-list-cameras: %v\n%s", err, out)
	}
}

// TestE2EPicamMissing: without rpicam-apps, -source picam is one line on
// stderr saying what to install, and exit code 2.
func TestE2EPicamMissing(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	for _, source := range []string{"picam", "picam:1"} {
		cmd := exec.Command(lancamBin, "-headless", "-no-mdns", "-listen", "127.0.0.1:0", "-source", source)
		cmd.Env = append(os.Environ(), "PATH="+empty, "XDG_CONFIG_HOME="+t.TempDir())
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Errorf("-source %s: %v, want exit code 2", source, err)
		}
		lines := nonEmptyLines(string(out))
		if len(lines) != 1 || !strings.Contains(lines[0], "rpicam-vid") || !strings.Contains(lines[0], "install") {
			t.Errorf("-source %s printed %q, want one line naming rpicam-vid and what to install", source, out)
		}
	}
}

// nonEmptyLines splits s into its non-empty lines.
func nonEmptyLines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			out = append(out, sc.Text())
		}
	}
	return out
}
