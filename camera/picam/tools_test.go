package picam

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakebin is the absolute path of the fake rpicam-apps.
func fakebin(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs(filepath.Join("testdata", "fakebin"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// linkTools makes a PATH dir holding the named fakes as symlinks.
func linkTools(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		target := filepath.Join(fakebin(t), strings.Replace(n, "libcamera-", "rpicam-", 1))
		if err := os.Symlink(target, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFindTools(t *testing.T) {
	bin := fakebin(t)
	t.Run("rpicam", func(t *testing.T) {
		t.Setenv("PATH", bin)
		got, err := FindTools()
		want := Tools{Vid: filepath.Join(bin, "rpicam-vid"), Hello: filepath.Join(bin, "rpicam-hello")}
		if err != nil || got != want {
			t.Errorf("FindTools() = %+v, %v; want %+v", got, err, want)
		}
	})
	t.Run("libcamera", func(t *testing.T) {
		dir := linkTools(t, "libcamera-vid", "libcamera-hello")
		t.Setenv("PATH", dir)
		got, err := FindTools()
		want := Tools{Vid: filepath.Join(dir, "libcamera-vid"), Hello: filepath.Join(dir, "libcamera-hello")}
		if err != nil || got != want {
			t.Errorf("FindTools() = %+v, %v; want %+v", got, err, want)
		}
	})
	t.Run("vid without hello", func(t *testing.T) {
		dir := linkTools(t, "rpicam-vid")
		t.Setenv("PATH", dir)
		got, err := FindTools()
		if err != nil || got.Vid != filepath.Join(dir, "rpicam-vid") || got.Hello != "" {
			t.Fatalf("FindTools() = %+v, %v; want only Vid", got, err)
		}
		_, err = got.List(context.Background())
		if err == nil || !strings.Contains(err.Error(), "rpicam-hello") {
			t.Errorf("List without hello: %v", err)
		}
	})
	t.Run("mixed families", func(t *testing.T) {
		dir := linkTools(t, "rpicam-vid", "libcamera-hello")
		t.Setenv("PATH", dir)
		got, err := FindTools()
		want := Tools{Vid: filepath.Join(dir, "rpicam-vid"), Hello: filepath.Join(dir, "libcamera-hello")}
		if err != nil || got != want {
			t.Errorf("FindTools() = %+v, %v; want %+v", got, err, want)
		}
	})
	t.Run("none", func(t *testing.T) {
		t.Setenv("PATH", linkTools(t, "rpicam-hello"))
		got, err := FindTools()
		if err == nil {
			t.Fatalf("FindTools() = %+v, want an error", got)
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") {
			t.Errorf("error has a newline: %q", msg)
		}
		for _, s := range []string{"rpicam-vid", "libcamera-vid", "apt install rpicam-apps"} {
			if !strings.Contains(msg, s) {
				t.Errorf("error %q does not mention %q", msg, s)
			}
		}
	})
}

func TestList(t *testing.T) {
	tools := Tools{Hello: filepath.Join(fakebin(t), "rpicam-hello")}
	t.Run("two cameras", func(t *testing.T) {
		got, err := tools.List(context.Background())
		if err != nil || !reflect.DeepEqual(got, rpicamTwo) {
			t.Errorf("List = %+v, %v; want %+v", got, err, rpicamTwo)
		}
	})
	t.Run("libcamera-hello", func(t *testing.T) {
		t.Setenv("LANCAM_FAKE_LIST", filepath.Join(fakebin(t), "..", "list_noisy.txt"))
		lt := Tools{Hello: filepath.Join(linkTools(t, "libcamera-hello"), "libcamera-hello")}
		got, err := lt.List(context.Background())
		if want := []Camera{imx708Pi4}; err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("List = %+v, %v; want %+v", got, err, want)
		}
	})
	t.Run("no cameras", func(t *testing.T) {
		t.Setenv("LANCAM_FAKE_LIST", filepath.Join(fakebin(t), "..", "list_none.txt"))
		got, err := tools.List(context.Background())
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("List = %#v, %v; want an empty list", got, err)
		}
	})
	t.Run("tool fails", func(t *testing.T) {
		t.Setenv("LANCAM_FAKE_LIST", "fail")
		got, err := tools.List(context.Background())
		want := "rpicam-hello --list-cameras: ERROR: *** failed to acquire camera /base/soc/i2c0mux/i2c@1/imx708@1a ***"
		if err == nil || err.Error() != want {
			t.Errorf("List = %+v, %v; want error %q", got, err, want)
		}
	})
}

// TestListTimeoutKillsGroup uses a hello that hangs in a child process, as
// a wedged libcamera can, and checks that List returns on the context's
// deadline and that the child is gone too.
func TestListTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	script := "#!/bin/sh\nsleep 30 &\necho $! >" + pidFile + "\nwait\n"
	hello := filepath.Join(dir, "rpicam-hello")
	if err := os.WriteFile(hello, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Tools{Hello: hello}.List(ctx)
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("List: %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("List took %v", d)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	deadline := time.Now().Add(2 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("child %d outlived List", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether pid runs; a zombie waiting for its reaper is dead.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}
