//go:build lan

package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lancam/discovery"
)

// The log lines discovery writes when the LAN goes and comes back.
const (
	logNoLAN   = "discovery: no network interface other than loopback is up"
	logLANBack = "discovery: LAN interface up again: eth0"
)

// lanField is /status's "lan".
type lanField struct {
	InterfacesUp bool     `json:"interfaces_up"`
	Interfaces   []string `json:"interfaces"`
	Message      string   `json:"message"`
}

// statusLAN reads the id and "lan" of /status.
func (l *labLancam) statusLAN() (id string, lan *lanField, err error) {
	var d struct {
		ID  string    `json:"id"`
		LAN *lanField `json:"lan"`
	}
	err = l.getJSON("/status", &d)
	return d.ID, d.LAN, err
}

// waitLAN polls /status until "lan" satisfies ok, failing after limit.
func waitLAN(t *testing.T, l *labLancam, limit time.Duration, what string, ok func(*lanField) bool) time.Duration {
	t.Helper()
	start := time.Now()
	var last *lanField
	var lastErr error
	for time.Since(start) < limit {
		_, lan, err := l.statusLAN()
		if err == nil && lan != nil && ok(lan) {
			return time.Since(start)
		}
		last, lastErr = lan, err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: %s not within %v; last lan: %+v (err %v)\n%s", l.host, what, limit, last, lastErr, l.stderr.String())
	return 0
}

// countLines counts the lines of s that contain sub.
func countLines(s, sub string) int {
	n := 0
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			n++
		}
	}
	return n
}

// addLoopbackHost creates host's namespace with only lo up; plugIn gives
// it an interface on the lab's bridge later (index i names its address).
func (lab *netLab) addLoopbackHost(host string, i int) {
	lab.t.Helper()
	ns := lab.ns(host)
	lab.ip("netns", "add", ns)
	lab.hosts[host] = i // destroy deletes it
	lab.ip("-n", ns, "link", "set", "lo", "up")
}

// plugIn connects host to the bridge as eth0 with 10.99.0.i/24, as
// addHost does: the address first, then the link up.
func (lab *netLab) plugIn(host string) string {
	lab.t.Helper()
	ns, br, i := lab.ns(host), lab.ns("br"), strconv.Itoa(lab.hosts[host])
	lab.ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", "p"+i, "netns", br)
	lab.ip("-n", br, "link", "set", "p"+i, "master", "br0", "up")
	lab.ip("-n", ns, "addr", "add", "10.99.0."+i+"/24", "dev", "eth0")
	lab.ip("-n", ns, "link", "set", "eth0", "multicast", "on", "up")
	lab.ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0")
	return "10.99.0." + i
}

// startLoopbackLancam runs `lancam -headless -listen :8080` with the test
// pattern in host (its own hostname and config folder) and waits until
// it answers on 127.0.0.1:8080 inside the namespace.
func (lab *netLab) startLoopbackLancam(host, config string) *labLancam {
	lab.t.Helper()
	return lab.runLancam(host, config, "127.0.0.1:8080",
		"-listen", ":8080", "-source", "test", "-size", "640x360", "-fps", "15")
}

// TestLANLoopbackOnly: lancam started where only loopback is up (a Pi
// before its Wi-Fi joins) says so once in its log, not every browse
// round, and in /status; when a network interface comes up it says that
// once, /status flips, and it browses and announces again: it and a lancam
// on the same LAN find each other. When the interface goes, it says so
// again, once.
func TestLANLoopbackOnly(t *testing.T) {
	t.Parallel()
	lab := newNetLab(t)
	lab.addLoopbackHost("solo", 1)
	start := time.Now()
	solo := lab.startLoopbackLancam("solo", labConfigDir(t, "solo"))

	soloID, lan, err := solo.statusLAN()
	if err != nil {
		t.Fatal(err)
	}
	if lan == nil || lan.InterfacesUp || lan.Interfaces == nil || len(lan.Interfaces) != 0 || lan.Message != discovery.NoLANMessage {
		t.Fatalf("/status lan with only lo: %+v", lan)
	}
	// Watch for two more browse rounds (3 s apart): /status keeps saying
	// it, the log says it once.
	const watch = 7500 * time.Millisecond
	for time.Since(start) < watch {
		if _, lan, err := solo.statusLAN(); err != nil || lan == nil || lan.InterfacesUp {
			t.Fatalf("/status lan at %v: %+v (err %v)", time.Since(start).Round(time.Millisecond), lan, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	logs := solo.stderr.String()
	if n := countLines(logs, logNoLAN); n != 1 {
		t.Errorf("%q logged %d times in %v, want once:\n%s", logNoLAN, n, watch, logs)
	}
	var warns []string
	for line := range strings.Lines(logs) {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "discovery:") {
			warns = append(warns, line)
		}
	}
	if len(warns) != 1 {
		t.Errorf("discovery warnings in %v, want the one:\n%s", watch, strings.Join(warns, ""))
	}

	// Another lancam on the LAN, then solo's cable is plugged in.
	lab.addHost("cam-b", 2)
	b := lab.startLancam("cam-b", labConfigDir(t, "cam-b"))
	bID := func() string {
		st, err := b.peers()
		if err != nil {
			t.Fatal(err)
		}
		return st.Self.ID
	}()
	addr := lab.plugIn("solo")
	took := waitLAN(t, solo, 10*time.Second, "interfaces_up after eth0 came up", func(l *lanField) bool {
		return l.InterfacesUp && slices.Equal(l.Interfaces, []string{"eth0"}) && l.Message == "Network interface up: eth0."
	})
	t.Logf("eth0 (%s) up -> /status says so after %v", addr, took)
	found := time.Now()
	waitPeers(t, solo, 15*time.Second, "cam-b listed by solo", func(d peersDoc) bool { return slices.Contains(peerIDs(d), bID) })
	waitPeers(t, b, 15*time.Second, "solo listed by cam-b", func(d peersDoc) bool { return slices.Contains(peerIDs(d), soloID) })
	t.Logf("both listed %v after /status flipped", time.Since(found))
	logs = solo.stderr.String()
	if n := countLines(logs, logLANBack); n != 1 {
		t.Errorf("%q logged %d times, want once:\n%s", logLANBack, n, logs)
	}

	// Unplugged again.
	lab.ip("-n", lab.ns("solo"), "link", "set", "eth0", "down")
	took = waitLAN(t, solo, 10*time.Second, "interfaces_up false after eth0 went down", func(l *lanField) bool {
		return !l.InterfacesUp && l.Message == discovery.NoLANMessage
	})
	t.Logf("eth0 down -> /status says so after %v", took)
	// The line is written just after the state /status reads changes.
	for deadline := time.Now().Add(2 * time.Second); countLines(solo.stderr.String(), logNoLAN) < 2 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if n := countLines(solo.stderr.String(), logNoLAN); n != 2 {
		t.Errorf("%q logged %d times in all, want twice (start, unplugged):\n%s", logNoLAN, n, solo.stderr.String())
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "solo's log:\n%s", solo.stderr.String())
	}
}
