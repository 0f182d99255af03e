package picam

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"lancam/internal/testenv"
)

// TestFakeVidStreams runs the fake rpicam-vid with Command's argv the way
// the exec source will, and checks both the MJPEG on stdout and that the
// tool saw exactly that argv.
func TestFakeVidStreams(t *testing.T) {
	testenv.Tool(t, "ffmpeg")
	argsFile := filepath.Join(t.TempDir(), "args")
	t.Setenv("LANCAM_FAKE_ARGS", argsFile)
	tools := Tools{Vid: filepath.Join(fakebin(t), "rpicam-vid")}
	argv, err := tools.Command(CommandConfig{Camera: 0, Width: 320, Height: 240, FPS: 10, Quality: 80})
	if err != nil {
		t.Fatal(err)
	}

	// Read until five frames arrived (a loaded machine may take seconds to
	// start ffmpeg), then kill the group as the exec source would.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out []byte
	buf := make([]byte, 64<<10)
	for bytes.Count(out, []byte{0xFF, 0xD9}) < 5 {
		n, err := stdout.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			break
		}
	}
	cancel()
	io.Copy(io.Discard, stdout)
	_ = cmd.Wait()

	if !bytes.HasPrefix(out, []byte{0xFF, 0xD8}) || bytes.Count(out, []byte{0xFF, 0xD9}) < 5 {
		t.Fatalf("want five JPEGs on stdout, got %d bytes; stderr: %s", len(out), stderr.String())
	}

	b, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(argv, "\n") + "\n--\n"; string(b) != want {
		t.Errorf("recorded args =\n%s\nwant\n%s", b, want)
	}
}
