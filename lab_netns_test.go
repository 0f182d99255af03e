//go:build lan

package main

// A private LAN for the discovery tests: network namespaces joined by a
// bridge on 10.99.0.0/24, created by the test and always deleted again, so
// that mDNS never touches the machine's real network. Needs root (CI runs as
// root); elsewhere the tests skip unless CI=true.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"lancam/internal/testenv"
)

// netLab is one private LAN: a bridge namespace and one namespace per host.
type netLab struct {
	t      *testing.T
	prefix string // unique per lab, keeps parallel labs apart
	hosts  map[string]int
}

// newNetLab creates the bridge; hosts are added with addHost. Everything,
// including processes still running in the namespaces, is removed at the end.
func newNetLab(t *testing.T) *netLab {
	t.Helper()
	testenv.Tool(t, "ip")
	if os.Geteuid() != 0 {
		testenv.Missing(t, "the network-namespace tests need root")
	}
	var b [3]byte
	rand.Read(b[:])
	lab := &netLab{t: t, prefix: "lc" + hex.EncodeToString(b[:]), hosts: map[string]int{}}
	t.Cleanup(lab.destroy)
	br := lab.ns("br")
	lab.ip("netns", "add", br)
	lab.ip("-n", br, "link", "add", "br0", "type", "bridge")
	// Without snooping the bridge floods multicast to every port, like a
	// home switch does for mDNS.
	lab.ip("-n", br, "link", "set", "br0", "type", "bridge", "mcast_snooping", "0")
	lab.ip("-n", br, "link", "set", "br0", "up")
	return lab
}

// ns is the namespace name of a lab host.
func (lab *netLab) ns(host string) string { return lab.prefix + "-" + host }

// addHost creates host's namespace with 10.99.0.i/24 on a veth to the
// bridge and returns that address.
func (lab *netLab) addHost(host string, i int) string {
	lab.t.Helper()
	ns, br := lab.ns(host), lab.ns("br")
	addr := "10.99.0." + strconv.Itoa(i)
	lab.ip("netns", "add", ns)
	lab.hosts[host] = i
	lab.ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", "p"+strconv.Itoa(i), "netns", br)
	lab.ip("-n", br, "link", "set", "p"+strconv.Itoa(i), "master", "br0", "up")
	lab.ip("-n", ns, "link", "set", "lo", "up")
	lab.ip("-n", ns, "addr", "add", addr+"/24", "dev", "eth0")
	lab.ip("-n", ns, "link", "set", "eth0", "multicast", "on", "up")
	lab.ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0")
	return addr
}

// ip runs one ip(8) command and fails the test on error.
func (lab *netLab) ip(args ...string) {
	lab.t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		lab.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// destroy kills every process left in the lab's namespaces and deletes them.
func (lab *netLab) destroy() {
	names := []string{lab.ns("br")}
	for h := range lab.hosts {
		names = append(names, lab.ns(h))
	}
	for _, ns := range names {
		out, _ := exec.Command("ip", "netns", "pids", ns).Output()
		for _, f := range strings.Fields(string(out)) {
			if pid, err := strconv.Atoi(f); err == nil && pid != os.Getpid() {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	for _, ns := range names {
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil && !bytes.Contains(out, []byte("No such file")) {
			lab.t.Errorf("ip netns del %s: %v %s", ns, err, out)
		}
	}
}

// command builds a command that runs inside host's namespace.
func (lab *netLab) command(ctx context.Context, host string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", lab.ns(host)}, args...)...)
}

// run runs a command in host's namespace to completion and returns its output.
func (lab *netLab) run(host string, timeout time.Duration, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := lab.command(ctx, host, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return out.Bytes(), err
}

// client is an HTTP client whose connections are made from inside host's
// namespace: the test process itself stays in the machine's namespace.
func (lab *netLab) client(host string) *http.Client {
	path := "/run/netns/" + lab.ns(host)
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialInNetns(ctx, path, network, addr)
		},
	}}
}

// dialInNetns dials from a thread moved into the namespace at nsPath; the
// socket keeps the namespace it was created in. The thread is moved back
// before it is unlocked; if that fails it stays locked and Go discards it
// with its goroutine (except the main thread, which Go keeps: hence the
// move back, and destroy's care not to kill the test process).
func dialInNetns(ctx context.Context, nsPath, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, err}
			return
		}
		defer unix.Close(orig)
		fd, err := unix.Open(nsPath, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, err}
			return
		}
		err = unix.Setns(fd, unix.CLONE_NEWNET)
		unix.Close(fd)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("setns %s: %w", nsPath, err)}
			return
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if unix.Setns(orig, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// labLancam is lancam running in a lab host.
type labLancam struct {
	lab    *netLab
	host   string // the namespace's host and hostname
	addr   string // 10.99.0.i:port
	config string // XDG_CONFIG_HOME, kept across restarts: the same id
	cmd    *exec.Cmd
	stderr lockedBuffer
	done   chan struct{}
}

// startLancam runs `lancam -headless` on port 8080 with the test pattern
// at 640x360 and 15 fps in host with its own hostname (a UTS namespace)
// and config folder, and waits until it answers.
func (lab *netLab) startLancam(host, config string, args ...string) *labLancam {
	lab.t.Helper()
	return lab.startLancamOn(host, config, 8080, append([]string{"-source", "test", "-size", "640x360", "-fps", "15"}, args...)...)
}

// startLancamOn is startLancam listening on port, with args instead of the
// test pattern's: several lancams in one host need several ports.
func (lab *netLab) startLancamOn(host, config string, port int, args ...string) *labLancam {
	lab.t.Helper()
	return lab.runLancam(host, config, fmt.Sprintf("10.99.0.%d:%d", lab.hosts[host], port),
		append([]string{"-listen", fmt.Sprintf(":%d", port)}, args...)...)
}

// runLancam runs `lancam -headless args` in host with its own hostname and
// config folder, and waits until it answers on addr.
func (lab *netLab) runLancam(host, config, addr string, args ...string) *labLancam {
	lab.t.Helper()
	l := &labLancam{lab: lab, host: host, addr: addr, config: config, done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	args = append([]string{"unshare", "-u", "sh", "-c", `hostname "$0" && exec "$@"`, host,
		lancamBin, "-headless"}, args...)
	l.cmd = lab.command(ctx, host, args...)
	l.cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+config)
	l.cmd.Stderr = &l.stderr
	l.cmd.WaitDelay = time.Second
	if err := l.cmd.Start(); err != nil {
		cancel()
		lab.t.Fatal(err)
	}
	go func() { l.cmd.Wait(); close(l.done) }()
	lab.t.Cleanup(func() {
		cancel()
		<-l.done
		if lab.t.Failed() {
			lab.t.Logf("lancam on %s, stderr:\n%s", host, l.stderr.String())
		}
	})
	deadline := time.Now().Add(readyTimeout)
	for {
		if _, err := l.status(); err == nil {
			return l
		}
		select {
		case <-l.done:
			lab.t.Fatalf("lancam on %s exited: %v\n%s", host, l.cmd.ProcessState, l.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			lab.t.Fatalf("lancam on %s did not answer within %v\n%s", host, readyTimeout, l.stderr.String())
		}
	}
}

// kill ends lancam with sig and waits for it.
func (l *labLancam) kill(sig syscall.Signal) {
	l.cmd.Process.Signal(sig)
	select {
	case <-l.done:
	case <-time.After(stopTimeout):
		l.lab.t.Fatalf("lancam on %s did not exit after %v", l.host, sig)
	}
}

// getJSON fetches path from this lancam, from inside its own namespace.
func (l *labLancam) getJSON(path string, v any) error {
	resp, err := l.lab.client(l.host).Get("http://" + l.addr + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.Unmarshal(body, v)
}

func (l *labLancam) status() (statusDoc, error) {
	var st statusDoc
	return st, l.getJSON("/status", &st)
}

// peersDoc reads /peers.
func (l *labLancam) peers() (peersDoc, error) {
	var d peersDoc
	return d, l.getJSON("/peers", &d)
}

// labConfigDir is a config folder for one lancam installation.
func labConfigDir(t *testing.T, name string) string {
	d := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}
