package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestRunBadFlags checks that every mistake on the command line is exit code
// 2 with exactly one line on stderr, which names the flag or value at fault,
// and nothing on stdout. None of these cases gets as far as listening.
func TestRunBadFlags(t *testing.T) {
	t.Parallel()
	empty := t.TempDir() // a folder with no JPEGs

	notJPEG := t.TempDir() // files, but none that is a JPEG
	writeFile(t, filepath.Join(notJPEG, "readme.txt"), "not a picture")
	writeFile(t, filepath.Join(notJPEG, "frame.png"), "\x89PNG\r\n\x1a\n")

	broken := t.TempDir() // a .jpg that is not a JPEG
	writeFile(t, filepath.Join(broken, "a.jpg"), "this is not a JPEG")

	pw := t.TempDir()
	emptyPW, newlinePW, ctrlPW, longPW := filepath.Join(pw, "empty"), filepath.Join(pw, "newline"), filepath.Join(pw, "ctrl"), filepath.Join(pw, "long")
	writeFile(t, emptyPW, "")
	writeFile(t, newlinePW, "\nsecret-on-line-2\n")
	writeFile(t, ctrlPW, "sec\x00ret\n")
	writeFile(t, longPW, strings.Repeat("x", 5000))

	tests := []struct {
		name string
		args []string
		want string // a substring of the error line
	}{
		{"size without x", []string{"-size", "12"}, "-size"},
		{"size not numbers", []string{"-size", "axb"}, "-size"},
		{"size too small", []string{"-size", "8x8"}, "-size"},
		{"size too big", []string{"-size", "10000x10000"}, "-size"},
		{"size negative", []string{"-size", "-640x480"}, "-size"},
		{"size empty", []string{"-size", ""}, "-size"},
		{"fps zero", []string{"-fps", "0"}, "-fps"},
		{"fps too high", []string{"-fps", "1000"}, "-fps"},
		{"fps negative", []string{"-fps", "-5"}, "-fps"},
		{"fps NaN", []string{"-fps", "NaN"}, "-fps"},
		{"fps Inf", []string{"-fps", "Inf"}, "-fps"},
		{"fps not a number", []string{"-fps", "fast"}, "-fps"},
		{"quality zero", []string{"-quality", "0"}, "-quality"},
		{"quality too high", []string{"-quality", "101"}, "-quality"},
		{"quality not a number", []string{"-quality", "high"}, "-quality"},
		{"listen without port", []string{"-listen", "nonsense"}, "-listen"},
		{"listen port too big", []string{"-listen", ":99999"}, "-listen"},
		{"listen port negative", []string{"-listen", ":-1"}, "-listen"},
		{"max-clients zero", []string{"-max-clients", "0"}, "-max-clients"},
		{"max-clients negative", []string{"-max-clients", "-3"}, "-max-clients"},
		{"h264 unknown encoder", []string{"-h264", "nvenc"}, "-h264"},
		{"h264 empty", []string{"-h264", ""}, "-h264"},
		{"h264-bitrate negative", []string{"-h264-bitrate", "-1"}, "-h264-bitrate"},
		{"h264-bitrate too high", []string{"-h264-bitrate", "100000"}, "-h264-bitrate"},
		{"max-webrtc zero", []string{"-max-webrtc", "0"}, "-max-webrtc"},
		{"rotate 45", []string{"-rotate", "45"}, "-rotate"},
		{"rotate -90", []string{"-rotate", "-90"}, "-rotate"},
		{"overlay with a control character", []string{"-overlay", "a\tb"}, "-overlay"},
		{"overlay too long", []string{"-overlay", strings.Repeat("%Y", 100)}, "-overlay"},
		{"camera name with capitals", []string{"-source", "Front=test"}, "Front"},
		{"camera name too long", []string{"-source", strings.Repeat("a", 33) + "=test"}, "camera name"},
		{"camera name without camera", []string{"-source", "front="}, "front="},
		{"two cameras, one name", []string{"-source", "a=test", "-source", "a=dir:/x"}, `"a"`},
		{"all with another camera", []string{"-source", "all", "-source", "test"}, "all"},
		{"auto with another camera", []string{"-source", "test", "-source", "auto"}, "auto"},
		{"too many cameras", slices.Repeat([]string{"-source", "test"}, 9), "at most 8"},
		{"second camera unknown", []string{"-headless", "-source", "test", "-source", "bogus"}, "bogus"},
		{"second camera's folder missing", []string{"-headless", "-source", "test", "-source", "dir:/nonexistent"}, "/nonexistent"},
		{"source unknown", []string{"-source", "bogus"}, "bogus"},
		{"source empty", []string{"-source", ""}, "-source"},
		{"source dir without path", []string{"-source", "dir:"}, "dir:"},
		{"source dir missing", []string{"-source", "dir:/nonexistent"}, "/nonexistent"},
		{"source dir without jpegs", []string{"-source", "dir:" + empty}, empty},
		{"source dir with other files", []string{"-source", "dir:" + notJPEG}, notJPEG},
		{"source dir with broken jpeg", []string{"-source", "dir:" + broken}, "a.jpg"},
		{"name too long", []string{"-name", strings.Repeat("ü", 101)}, "-name"},
		{"name with a newline", []string{"-name", "cam\nfake=1"}, "-name"},
		{"name not UTF-8", []string{"-name", "cam\xff"}, "-name"},
		{"password-file missing", []string{"-password-file", filepath.Join(pw, "nope")}, "-password-file"},
		{"password-file empty", []string{"-password-file", emptyPW}, "empty"},
		{"password-file first line empty", []string{"-password-file", newlinePW}, "empty"},
		{"password-file control character", []string{"-password-file", ctrlPW}, "printable"},
		{"password-file too long", []string{"-password-file", longPW}, "4 KiB"},
		{"password-file a folder", []string{"-password-file", pw}, "-password-file"},
		{"password-file without value", []string{"-password-file"}, "-password-file"},
		{"password flag does not exist", []string{"-password", "secret"}, "-password"},
		{"user empty", []string{"-user", ""}, "-user"},
		{"user with colon", []string{"-user", "a:b"}, "-user"},
		{"unknown flag", []string{"-nope"}, "-nope"},
		{"flag without value", []string{"-size"}, "-size"},
		{"stray argument", []string{"extra"}, `"extra"`},
		{"stray argument after flags", []string{"-headless", "-source", "test", "now"}, `"now"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			if code != 2 {
				t.Errorf("run(%q) = %d, want 2", tc.args, code)
			}
			line := stderr.String()
			if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
				t.Errorf("run(%q): stderr is not exactly one line:\n%s", tc.args, line)
			}
			if !strings.HasPrefix(line, "lancam: ") {
				t.Errorf("run(%q): stderr %q does not start with %q", tc.args, line, "lancam: ")
			}
			if !strings.Contains(line, tc.want) {
				t.Errorf("run(%q): stderr %q does not mention %q", tc.args, line, tc.want)
			}
			if stdout.Len() > 0 {
				t.Errorf("run(%q): unexpected stdout %q", tc.args, stdout.String())
			}
			if strings.Contains(line, "secret") {
				t.Errorf("run(%q): stderr quotes the password: %q", tc.args, line)
			}
		})
	}
}

// TestReadPassword: the first line of -password-file without its line end,
// else $LANCAM_PASSWORD, which is then gone from the environment; the file
// wins over the variable.
func TestReadPassword(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		writeFile(t, p, content)
		return p
	}
	cases := []struct {
		name, file, env string
		setEnv          bool
		want            string
	}{
		{"neither", "", "", false, ""},
		{"file with newline", file("a", "s3cret ü\nsecond line\n"), "", false, "s3cret ü"},
		{"file with CRLF", file("b", "s3cret\r\n"), "", false, "s3cret"},
		{"file without newline", file("c", "  spaces kept  "), "", false, "  spaces kept  "},
		{"env", "", "from env", true, "from env"},
		{"file beats env", file("d", "from file\n"), "from env", true, "from file"},
		{"empty env", "", "", true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setEnv {
				t.Setenv(passwordEnv, tc.env)
			}
			got, err := readPassword(tc.file)
			if err != nil || got != tc.want {
				t.Errorf("readPassword(%q) = %q, %v; want %q", tc.file, got, err, tc.want)
			}
			if _, ok := os.LookupEnv(passwordEnv); ok {
				t.Errorf("$%s still set after reading it", passwordEnv)
			}
		})
	}
	o, err := parseFlags([]string{"-user", "admin", "-password-file", file("e", "pw\n")}, &bytes.Buffer{})
	if err != nil || o.user != "admin" || o.password != "pw" || !o.set["password"] {
		t.Errorf("parseFlags: user %q, password set %v, overridden %v, err %v", o.user, o.password == "pw", o.set["password"], err)
	}
}

// TestRunVersion checks that -version prints "lancam VERSION" and exits 0
// without starting anything, whatever the other flags are.
func TestRunVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-version"}, {"--version"}, {"-headless", "-version"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Errorf("run(%q) = %d, want 0; stderr: %s", args, code, stderr.String())
		}
		if got, want := stdout.String(), "lancam "+appVersion()+"\n"; got != want {
			t.Errorf("run(%q) stdout = %q, want %q", args, got, want)
		}
		if stderr.Len() > 0 {
			t.Errorf("run(%q): unexpected stderr %q", args, stderr.String())
		}
	}
}

// TestRunHelp checks that -h and -help exit 0 with the usage on stdout
// (where `lancam -h | less` finds it) and nothing on stderr.
func TestRunHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Errorf("run(%q) = %d, want 0", args, code)
		}
		out := stdout.String()
		if !strings.HasPrefix(out, "Usage: lancam") {
			t.Errorf("run(%q) stdout does not start with the usage line:\n%s", args, out)
		}
		for _, flag := range []string{"-headless", "-listen", "-source", "-size", "-fps", "-quality", "-max-clients", "-version"} {
			if !strings.Contains(out, "  "+flag) {
				t.Errorf("run(%q): usage does not list %s:\n%s", args, flag, out)
			}
		}
		if stderr.Len() > 0 {
			t.Errorf("run(%q): unexpected stderr %q", args, stderr.String())
		}
	}
}

// TestParseFlagsDefaults checks the defaults and that good values, including
// the size spellings parseSize accepts, parse to what they say.
func TestParseFlagsDefaults(t *testing.T) {
	t.Parallel()
	o, err := parseFlags(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("parseFlags(nil): %v", err)
	}
	want := options{listen: ":8080", source: "auto", cams: []camSpec{{name: "auto", spec: "auto"}}, width: 1280, height: 720, fps: 30, quality: 80, maxClients: 100,
		h264: "auto", maxWebRTC: 20, user: "lancam", set: map[string]bool{}}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("defaults = %+v, want %+v", o, want)
	}

	for _, size := range []string{"640x360", "640X360", "640×360"} {
		o, err := parseFlags([]string{"-headless", "-listen", "127.0.0.1:0", "-size", size, "-fps", "12.5",
			"-quality", "100", "-max-clients", "1", "-source", "dir:/x"}, &bytes.Buffer{})
		if err != nil {
			t.Fatalf("-size %s: %v", size, err)
		}
		want := options{headless: true, listen: "127.0.0.1:0", source: "dir:/x", cams: []camSpec{{name: "x", spec: "dir:/x"}}, width: 640, height: 360,
			fps: 12.5, quality: 100, maxClients: 1, h264: "auto", maxWebRTC: 20, user: "lancam", set: map[string]bool{"headless": true, "listen": true, "size": true,
				"fps": true, "quality": true, "max-clients": true, "source": true}}
		if !reflect.DeepEqual(o, want) {
			t.Errorf("-size %s: got %+v, want %+v", size, o, want)
		}
	}
}

// writeFile writes a test file or fails the test.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCameraNames: -source NAME=SPEC names a camera; other cameras are
// named after their source, made unique, and specs with '=' or ':' in
// them stay whole.
func TestCameraNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []camSpec
	}{
		{[]string{"-source", "/dev/video2"}, []camSpec{{name: "video2", spec: "/dev/video2"}}},
		{[]string{"-source", "test", "-source", "dir:/home/pi/Garden Frames/"}, []camSpec{{name: "test", spec: "test"}, {name: "garden-frames", spec: "dir:/home/pi/Garden Frames/"}}},
		{[]string{"-source", "front=picam:1", "-source", "picam:1"}, []camSpec{{name: "front", spec: "picam:1", named: true}, {name: "picam1", spec: "picam:1"}}},
		{[]string{"-source", "test", "-source", "test", "-source", "test-2=test"}, []camSpec{{name: "test", spec: "test"}, {name: "test-3", spec: "test"}, {name: "test-2", spec: "test", named: true}}},
		{[]string{"-source", "exec:ffmpeg -i x=y -f mjpeg -"}, []camSpec{{name: "exec", spec: "exec:ffmpeg -i x=y -f mjpeg -"}}},
		{[]string{"-source", "dir:/a=b"}, []camSpec{{name: "a-b", spec: "dir:/a=b"}}},
		{[]string{"-source", "all"}, []camSpec{{name: "all", spec: "all"}}},
	}
	for _, tc := range tests {
		o, err := parseFlags(tc.args, &bytes.Buffer{})
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if !reflect.DeepEqual(o.cams, tc.want) || o.source != tc.want[0].spec {
			t.Errorf("%q: cameras %+v (source %q), want %+v", tc.args, o.cams, o.source, tc.want)
		}
	}
}
