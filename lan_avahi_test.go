//go:build lan

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lancam/internal/testenv"
)

// avahiConf is a Raspberry-Pi-like avahi-daemon, limited to the lab's link.
const avahiConf = `[server]
host-name=pi
use-ipv4=yes
use-ipv6=no
allow-interfaces=eth0
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
`

// avahiDaemon is avahi-daemon with its own system D-Bus in a lab host: a
// private /run (mount namespace) keeps both off the machine's own bus.
type avahiDaemon struct {
	lab  *netLab
	host string
	pid  int // avahi-daemon, whose mount namespace has the private bus
}

// startAvahi runs dbus-daemon and avahi-daemon in host and waits for
// avahi's "Server startup complete".
func (lab *netLab) startAvahi(host string) *avahiDaemon {
	lab.t.Helper()
	testenv.Tool(lab.t, "avahi-daemon")
	testenv.Tool(lab.t, "dbus-daemon")
	conf := filepath.Join(lab.t.TempDir(), "avahi-daemon.conf")
	if err := os.WriteFile(conf, []byte(avahiConf), 0o644); err != nil {
		lab.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	var out lockedBuffer
	cmd := lab.command(ctx, host, "unshare", "-m", "--propagation", "private", "sh", "-c",
		`mount -t tmpfs tmpfs /run && mkdir -p /run/dbus /run/avahi-daemon && dbus-daemon --system --fork &&
		exec avahi-daemon --no-drop-root --no-chroot --no-rlimits -f "$0"`, conf)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		lab.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	lab.t.Cleanup(func() {
		cancel() // dbus-daemon goes with the namespace (netLab.destroy)
		<-done
		if lab.t.Failed() {
			lab.t.Logf("avahi-daemon output:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "Server startup complete") {
		select {
		case <-done:
			lab.t.Fatalf("avahi-daemon exited:\n%s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			lab.t.Fatalf("avahi-daemon did not start within 10 s:\n%s", out.String())
		}
	}
	return &avahiDaemon{lab: lab, host: host, pid: cmd.Process.Pid}
}

// command runs an avahi client tool next to the daemon: in its network and
// mount namespaces, so it reaches the private bus.
func (a *avahiDaemon) command(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "nsenter", append([]string{"-t", strconv.Itoa(a.pid), "-m", "-n", "--"}, args...)...)
}

// avahiService is one resolved line of `avahi-browse -rpt`.
type avahiService struct {
	Name, Type, Host, Addr string
	Port                   int
	TXT                    []string
}

// browse runs `avahi-browse -rpt typ` and returns the resolved IPv4 services.
func (a *avahiDaemon) browse(typ string) ([]avahiService, error) {
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	var stderr bytes.Buffer
	cmd := a.command(ctx, "avahi-browse", "-rpt", typ)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("avahi-browse -rpt %s: %v: %s", typ, err, stderr.String())
	}
	var svcs []avahiService
	for _, line := range strings.Split(string(out), "\n") {
		// =;eth0;IPv4;NAME;TYPE;local;HOST;ADDR;PORT;"k=v" "k=v"
		f := strings.SplitN(line, ";", 10)
		if len(f) != 10 || f[0] != "=" || f[2] != "IPv4" {
			continue
		}
		port, _ := strconv.Atoi(f[8])
		svcs = append(svcs, avahiService{Name: unescapeDecimal(f[3]), Type: f[4], Host: f[6], Addr: f[7], Port: port, TXT: avahiTXT(f[9])})
	}
	return svcs, nil
}

// avahiTXT splits avahi-browse's `"a=1" "b=2"` TXT field; avahi escapes
// bytes outside ASCII as \DDD there too.
func avahiTXT(s string) []string {
	var out []string
	for _, part := range strings.Split(s, `" "`) {
		out = append(out, unescapeDecimal(strings.Trim(part, `"`)))
	}
	return out
}

// unescapeDecimal turns \DDD into the byte DDD.
func unescapeDecimal(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.Atoi(s[i+1 : i+4]); err == nil && n < 256 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// waitBrowse repeats avahi-browse until find picks a service.
func (a *avahiDaemon) waitBrowse(t *testing.T, typ, what string, find func(avahiService) bool) avahiService {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		svcs, err := a.browse(typ)
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(svcs, find); i >= 0 {
			return svcs[i]
		}
		if time.Now().After(deadline) {
			t.Fatalf("avahi-browse -rpt %s never resolved %s; last: %+v", typ, what, svcs)
		}
	}
}

// TestLANAvahi: lancam against avahi, the mDNS stack of Raspberry Pi OS.
// avahi-browse resolves both lancam services with the right TXT; a service
// published with avahi-publish shows up in lancam; lancam and avahi-daemon
// in one namespace (a Pi running both) keep working side by side.
func TestLANAvahi(t *testing.T) {
	t.Parallel()
	testenv.Tool(t, "avahi-browse")
	testenv.Tool(t, "nsenter")
	lab := newNetLab(t)
	lab.addHost("pi", 1)
	lab.addHost("desk", 2)
	av := lab.startAvahi("pi")
	onPi := lab.startLancam("pi", labConfigDir(t, "pi")) // shares the hostname with avahi, as on a Pi
	onDesk := lab.startLancam("desk", labConfigDir(t, "desk"), "-name", "Schreibtisch Küche")
	piDoc, _ := onPi.peers()
	deskDoc, _ := onDesk.peers()

	// avahi resolves the desk's _lancam._tcp with every TXT key, and its _http._tcp page.
	svc := av.waitBrowse(t, "_lancam._tcp", "the desk camera", func(s avahiService) bool { return slices.Contains(s.TXT, "id="+deskDoc.Self.ID) })
	if svc.Addr != "10.99.0.2" || svc.Port != 8080 || !strings.HasPrefix(svc.Name, "Schreibtisch Küche (") {
		t.Errorf("avahi resolved %+v, want 10.99.0.2:8080 named Schreibtisch Küche (id)", svc)
	}
	for _, kv := range []string{"name=Schreibtisch Küche", "path=/stream.mjpg", "snapshot=/snapshot.jpg",
		"size=640x360", "fps=15", "auth=none", "version=" + e2eVersion} {
		if !slices.Contains(svc.TXT, kv) {
			t.Errorf("TXT %q lacks %q", svc.TXT, kv)
		}
	}
	page := av.waitBrowse(t, "_http._tcp", "the desk page", func(s avahiService) bool { return s.Name == svc.Name })
	if page.Addr != "10.99.0.2" || page.Port != 8080 || !slices.Equal(page.TXT, []string{"path=/"}) {
		t.Errorf("avahi resolved the page as %+v, want 10.99.0.2:8080 with TXT path=/", page)
	}
	// And the lancam running next to avahi on the same machine.
	av.waitBrowse(t, "_lancam._tcp", "the Pi's own lancam", func(s avahiService) bool {
		return slices.Contains(s.TXT, "id="+piDoc.Self.ID) && s.Addr == "10.99.0.1"
	})

	// A service published through avahi reaches both lancams.
	ctx, cancel := context.WithCancel(context.Background())
	pub := av.command(ctx, "avahi-publish", "-s", "Avahi Cam", "_lancam._tcp", "8099",
		"id=avahi0001", "name=Avahi Cam", "path=/stream.mjpg", "size=320x240")
	var pubOut lockedBuffer
	pub.Stdout, pub.Stderr = &pubOut, &pubOut
	if err := pub.Start(); err != nil {
		t.Fatal(err)
	}
	published := time.Now()
	t.Cleanup(func() {
		cancel()
		pub.Wait()
		if t.Failed() {
			t.Logf("avahi-publish output:\n%s", pubOut.String())
		}
	})
	for _, l := range []*labLancam{onDesk, onPi} {
		d, _ := waitPeers(t, l, 10*time.Second, "the avahi service", func(d peersDoc) bool {
			return slices.ContainsFunc(d.Peers, func(p peerDoc) bool { return p.ID == "avahi0001" })
		})
		t.Logf("%s saw the avahi-published service %v after avahi-publish started", l.host, time.Since(published).Round(time.Millisecond))
		for _, p := range d.Peers {
			if p.ID == "avahi0001" && (p.Name != "Avahi Cam" || p.Port != 8099 || len(p.Addrs) == 0 || p.Addrs[0] != "10.99.0.1" || p.Size != "320x240") {
				t.Errorf("%s lists the avahi service as %+v", l.host, p)
			}
		}
	}

	// Side by side: the two lancams still see each other.
	waitPeers(t, onPi, seenWithin, "the desk", func(d peersDoc) bool {
		return slices.ContainsFunc(d.Peers, func(p peerDoc) bool { return p.ID == deskDoc.Self.ID })
	})
	waitPeers(t, onDesk, seenWithin, "the Pi", func(d peersDoc) bool {
		return slices.ContainsFunc(d.Peers, func(p peerDoc) bool { return p.ID == piDoc.Self.ID })
	})

	// Quitting sends the goodbye: avahi forgets the desk at once instead of
	// keeping it for the records' 2-minute TTL.
	onDesk.kill(syscall.SIGTERM)
	stopped := time.Now()
	for {
		svcs, err := av.browse("_lancam._tcp")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(svcs, func(s avahiService) bool { return slices.Contains(s.TXT, "id="+deskDoc.Self.ID) }) {
			t.Logf("avahi dropped the stopped desk camera after %v", time.Since(stopped).Round(time.Millisecond))
			break
		}
		if time.Since(stopped) > 5*time.Second {
			t.Fatalf("avahi still lists the desk camera 5 s after it quit: no goodbye? %+v", svcs)
		}
	}
}
