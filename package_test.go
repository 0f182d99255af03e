//go:build package

package main

// The .deb packages that `make package` built (in $LANCAM_DIST, default
// dist/): their fields and files, the binaries of every architecture
// running (ARM ones under qemu-user) and serving a snapshot to curl, and
// the amd64 packages installed into a fresh dpkg root.

import (
	"bytes"
	"debug/elf"
	"fmt"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// debPackage is one built .deb and what the tests expect of it.
type debPackage struct {
	path    string
	name    string // lancam or lancam-headless
	arch    string // Debian architecture
	version string // Debian version
	gui     bool
}

// packageArches are the architectures `make package` builds, with the ELF
// machine their binary must be for and the qemu-user that runs it on a
// machine of another architecture.
var packageArches = map[string]struct {
	machine elf.Machine
	qemu    string
}{
	"amd64": {elf.EM_X86_64, "qemu-x86_64"},
	"arm64": {elf.EM_AARCH64, "qemu-aarch64"},
	"armhf": {elf.EM_ARM, "qemu-arm"},
}

// iconSizes are the hicolor sizes the desktop package installs.
var iconSizes = []string{"16x16", "22x22", "24x24", "32x32", "48x48", "64x64", "128x128", "256x256", "512x512"}

func TestPackageDebs(t *testing.T) {
	debs := findDebs(t)
	host := strings.TrimSpace(mustRun(t, "dpkg", "--print-architecture"))
	for _, d := range debs {
		t.Run(d.name+"_"+d.arch, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			mustRun(t, "dpkg-deb", "-x", d.path, root)
			checkControl(t, d)
			checkContents(t, d, root)
			argv := []string{filepath.Join(root, "usr/bin/lancam")}
			if d.arch != host {
				sysroot := strings.TrimSpace(mustRun(t, "scripts/sysroot.sh", d.arch))
				argv = append([]string{packageArches[d.arch].qemu, "-L", sysroot}, argv...)
			}
			checkRuns(t, d, argv)
			checkDependsResolve(t, d, host, "")
			if d.arch != "amd64" {
				// Raspberry Pi OS is moving to Debian 13, where armhf
				// libraries were renamed (the 64-bit time_t move).
				checkDependsResolve(t, d, host, "trixie")
			}
		})
	}
}

// findDebs lists the six packages in the dist folder, all of one version.
func findDebs(t *testing.T) []debPackage {
	t.Helper()
	dist := os.Getenv("LANCAM_DIST")
	if dist == "" {
		dist = "dist"
	}
	paths, _ := filepath.Glob(filepath.Join(dist, "*.deb"))
	var debs []debPackage
	seen := map[string]bool{}
	for _, p := range paths {
		m := regexp.MustCompile(`^(lancam|lancam-headless)_([^_]+)_([a-z0-9]+)\.deb$`).FindStringSubmatch(filepath.Base(p))
		if m == nil {
			t.Errorf("unexpected file %s in %s", p, dist)
			continue
		}
		d := debPackage{path: p, name: m[1], version: m[2], arch: m[3], gui: m[1] == "lancam"}
		debs = append(debs, d)
		seen[d.name+"_"+d.arch] = true
		if d.version != debs[0].version {
			t.Errorf("%s: version %s, but %s is %s", p, d.version, debs[0].path, debs[0].version)
		}
	}
	for arch := range packageArches {
		for _, name := range []string{"lancam", "lancam-headless"} {
			if !seen[name+"_"+arch] {
				t.Errorf("%s_*_%s.deb missing in %s (make package)", name, arch, dist)
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return debs
}

// checkControl reads the control fields: names, version, architecture, the
// runtime libraries in Depends (X and GL only for the desktop build), and
// the two packages' conflict over /usr/bin/lancam.
func checkControl(t *testing.T, d debPackage) {
	t.Helper()
	info := mustRun(t, "dpkg-deb", "--info", d.path)
	defer func() {
		if t.Failed() {
			t.Logf("dpkg-deb --info %s:\n%s", filepath.Base(d.path), info)
		}
	}()
	field := func(name string) string {
		return strings.TrimSpace(mustRun(t, "dpkg-deb", "--field", d.path, name))
	}
	other := map[string]string{"lancam": "lancam-headless", "lancam-headless": "lancam"}[d.name]
	for name, want := range map[string]string{
		"Package": d.name, "Version": d.version, "Architecture": d.arch,
		"Conflicts": other, "Replaces": other, "Section": "video",
	} {
		if got := field(name); got != want {
			t.Errorf("%s: %s %q, want %q", d.path, name, got, want)
		}
	}
	depends := field("Depends")
	want := []string{"libc6 (>= ", "libturbojpeg0 (>= "}
	guiOnly := []string{"libgl1", "libx11-6", "libxcursor1", "libxrandr2", "libxinerama1", "libxi6", "libxxf86vm1"}
	for _, dep := range append(want, guiOnly...) {
		has := strings.Contains(depends, dep)
		wanted := d.gui || !slices.Contains(guiOnly, dep)
		if has != wanted {
			t.Errorf("%s: Depends %q: %s present %v, want %v", d.path, depends, dep, has, wanted)
		}
	}
	// ffmpeg encodes H.264 for WebRTC; the X11 desktop's tray needs
	// snixembed to show lancam's icon.
	wantSuggests := "rpicam-apps"
	if d.gui {
		wantSuggests += ", snixembed"
	}
	if got := field("Recommends"); got != "ffmpeg" {
		t.Errorf("%s: Recommends %q, want ffmpeg", d.path, got)
	}
	if got := field("Suggests"); got != wantSuggests {
		t.Errorf("%s: Suggests %q, want %q", d.path, got, wantSuggests)
	}
	if field("Maintainer") == "" || !strings.Contains(field("Description"), "\n ") {
		t.Errorf("%s: Maintainer or long Description missing", d.path)
	}
}

// checkContents checks the files: the binary for the package's CPU, the
// user unit, and for the desktop build the menu entry (validated) and the
// icon in every hicolor size.
func checkContents(t *testing.T, d debPackage, root string) {
	t.Helper()
	list := mustRun(t, "dpkg-deb", "--contents", d.path)
	if !regexp.MustCompile(`(?m)^-rwxr-xr-x root/root .* \./usr/bin/lancam$`).MatchString(list) {
		t.Errorf("%s: no root-owned executable ./usr/bin/lancam in:\n%s", d.path, list)
	}
	f, err := elf.Open(filepath.Join(root, "usr/bin/lancam"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if want := packageArches[d.arch].machine; f.Machine != want {
		t.Errorf("%s: binary for %v, want %v", d.path, f.Machine, want)
	}
	libs, _ := f.ImportedLibraries()
	if !d.gui && (slices.Contains(libs, "libGL.so.1") || slices.Contains(libs, "libX11.so.6")) {
		t.Errorf("%s: the headless build links %v", d.path, libs)
	}
	if _, err := os.Stat(filepath.Join(root, "usr/lib/systemd/user/lancam-headless.service")); err != nil {
		t.Errorf("%s: user unit missing: %v", d.path, err)
	}
	for _, doc := range []string{"copyright", "changelog.gz"} {
		if _, err := os.Stat(filepath.Join(root, "usr/share/doc", d.name, doc)); err != nil {
			t.Errorf("%s: %v", d.path, err)
		}
	}
	desktop := filepath.Join(root, "usr/share/applications/lancam.desktop")
	if !d.gui {
		if _, err := os.Stat(desktop); err == nil {
			t.Errorf("%s: the headless package has a menu entry", d.path)
		}
		return
	}
	if out, err := exec.Command("desktop-file-validate", desktop).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("desktop-file-validate %s: %v\n%s", desktop, err, out)
	}
	entry, _ := os.ReadFile(desktop)
	for _, line := range []string{"Exec=lancam", "Icon=lancam", "Categories=AudioVideo;Video;"} {
		// AudioVideo puts it under Sound & Video in the Raspberry Pi menu.
		if !bytes.Contains(entry, []byte("\n"+line+"\n")) {
			t.Errorf("%s lacks %q", desktop, line)
		}
	}
	for _, size := range iconSizes {
		p := filepath.Join(root, "usr/share/icons/hicolor", size, "apps/lancam.png")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v", d.path, err)
			continue
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || size != fmt.Sprintf("%dx%d", cfg.Width, cfg.Height) {
			t.Errorf("%s: %v, %dx%d", p, err, cfg.Width, cfg.Height)
		}
	}
}

// checkRuns runs the packaged binary: -version prints the package's
// version, and -headless -source test serves a JPEG snapshot to curl.
func checkRuns(t *testing.T, d debPackage, argv []string) {
	t.Helper()
	// Debian's ~ (a pre-release) is - in lancam's own version string.
	want := strings.Replace(d.version, "~", "-", 1)
	out, err := exec.Command(argv[0], append(argv[1:], "-version")...).CombinedOutput()
	if err != nil || string(out) != "lancam "+want+"\n" {
		t.Errorf("%s -version: %v, %q; want %q", strings.Join(argv, " "), err, out, "lancam "+want)
	}
	l := startLancamCmd(t, argv, nil, "-source", "test", "-size", "640x480", "-fps", "10")
	snap := filepath.Join(t.TempDir(), "snap.jpg")
	if out, err := exec.Command("curl", "-sfS", "--max-time", "20", "-o", snap, l.url("/snapshot.jpg")).CombinedOutput(); err != nil {
		t.Fatalf("curl %s: %v %s", l.url("/snapshot.jpg"), err, out)
	}
	b, _ := os.ReadFile(snap)
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width != 640 || cfg.Height != 480 {
		t.Errorf("snapshot from %s: %v, %dx%d, want a 640x480 JPEG", strings.Join(argv, " "), err, cfg.Width, cfg.Height)
	}
	if st := getStatus(t, l); st.Version != want {
		t.Errorf("/status version %q, want %q", st.Version, want)
	}
	t.Logf("%s: %d-byte snapshot", strings.Join(argv, " "), len(b))
}

// checkDependsResolve asks apt whether installing the package would work:
// every Depends names a real package of that architecture in a version
// Debian 12 has (suite ""), or Debian 13 (suite "trixie"). For other
// architectures and suites, apt has its own lists and an empty dpkg status
// (scripts/sysroot.sh), so it resolves the whole chain.
func checkDependsResolve(t *testing.T, d debPackage, host, suite string) {
	t.Helper()
	abs, _ := filepath.Abs(d.path)
	args := []string{"apt-get", "-s", "-q", "install", abs}
	switch {
	case suite != "":
		args = append([]string{"scripts/sysroot.sh", d.arch, "--suite", suite}, args...)
	case d.arch != host:
		args = append([]string{"scripts/sysroot.sh", d.arch}, args...)
	}
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^Inst `+regexp.QuoteMeta(d.name)+` `).Match(out) {
		t.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// mustRun runs a command and returns its stdout, failing the test on error.
func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// TestPackageInstall installs this machine's two packages, as dpkg does on a
// Pi, into a fresh dpkg root: the desktop one, then the headless one that
// replaces it (they conflict over /usr/bin/lancam), then purges it. The
// installed lancam starts and serves, and systemd accepts the user unit.
func TestPackageInstall(t *testing.T) {
	host := strings.TrimSpace(mustRun(t, "dpkg", "--print-architecture"))
	var gui, headless debPackage
	for _, d := range findDebs(t) {
		if d.arch == host && d.gui {
			gui = d
		} else if d.arch == host {
			headless = d
		}
	}
	if gui.path == "" || headless.path == "" {
		t.Fatalf("no %s packages to install", host)
	}
	root := t.TempDir()
	for _, dir := range []string{"info", "updates", "triggers"} {
		if err := os.MkdirAll(filepath.Join(root, "var/lib/dpkg", dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The fresh root has no libc6 etc.: their presence is apt's part
	// (checked by TestPackageDebs); the binary runs on this machine's.
	dpkg := func(args ...string) string {
		t.Helper()
		return mustRun(t, "dpkg", append([]string{"--root=" + root, "--log=/dev/null",
			"--force-depends", "--force-not-root", "--force-script-chrootless"}, args...)...)
	}
	status := func(pkg string) string {
		out, _ := exec.Command("dpkg-query", "--admindir="+filepath.Join(root, "var/lib/dpkg"),
			"-W", "-f=${Status}", pkg).Output()
		return string(out)
	}
	bin := filepath.Join(root, "usr/bin/lancam")
	desktop := filepath.Join(root, "usr/share/applications/lancam.desktop")

	dpkg("-i", gui.path)
	if st := status("lancam"); st != "install ok installed" {
		t.Fatalf("lancam after dpkg -i: %q", st)
	}
	checkRuns(t, gui, []string{bin})
	checkUserUnit(t, root)

	dpkg("-i", headless.path)
	if st, sh := status("lancam"), status("lancam-headless"); st == "install ok installed" || sh != "install ok installed" {
		t.Errorf("after installing lancam-headless: lancam %q, lancam-headless %q", st, sh)
	}
	if _, err := os.Stat(desktop); err == nil {
		t.Error("the desktop package's menu entry is still there after lancam-headless replaced it")
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	libs, _ := f.ImportedLibraries()
	f.Close()
	if slices.Contains(libs, "libX11.so.6") {
		t.Errorf("%s is still the desktop build (links %v)", bin, libs)
	}
	checkRuns(t, headless, []string{bin})

	dpkg("--purge", "lancam-headless")
	var left []string
	filepath.WalkDir(filepath.Join(root, "usr"), func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 || status("lancam-headless") == "install ok installed" {
		t.Errorf("after dpkg --purge lancam-headless: %q left", left)
	}
}

// checkUserUnit runs systemd-analyze verify on the installed user unit,
// pointed at the installed binary (verify insists that it exists).
func checkUserUnit(t *testing.T, root string) {
	t.Helper()
	unit, err := os.ReadFile(filepath.Join(root, "usr/lib/systemd/user/lancam-headless.service"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(unit, []byte("\nExecStart=/usr/bin/lancam -headless $LANCAM_FLAGS\n")) ||
		!bytes.Contains(unit, []byte("\nWantedBy=default.target\n")) {
		t.Errorf("user unit:\n%s", unit)
	}
	dir := t.TempDir()
	copy := filepath.Join(dir, "lancam-headless.service")
	unit = bytes.ReplaceAll(unit, []byte("=/usr/bin/lancam "), []byte("="+filepath.Join(root, "usr/bin/lancam")+" "))
	if err := os.WriteFile(copy, unit, 0o644); err != nil {
		t.Fatal(err)
	}
	runtime := filepath.Join(dir, "run")
	os.Mkdir(runtime, 0o700)
	cmd := exec.Command("systemd-analyze", "verify", "--user", copy)
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+runtime)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify --user: %v\n%s", err, out)
	}
}
