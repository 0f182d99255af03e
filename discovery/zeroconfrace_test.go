package discovery

import (
	"bytes"
	"runtime"
	"testing"
	"time"
)

// waitReceivers waits until every zeroconf server's receive goroutines are
// inside their read, before a test shuts a server down. zeroconf v1.0.0
// calls WaitGroup.Add in those goroutines, after Register has returned:
// a Shutdown that comes before a starved goroutine first runs is a data
// race inside the library, which -race reports (about one run in ten on a
// loaded CI machine). Production is unaffected (Shutdown only waits less);
// tests must not be flaky, and nothing outside the library can order that
// Add, so the tests wait for it instead.
func waitReceivers(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if receiversSettled(buf[:n]) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("zeroconf receive goroutines did not start within 5 s:\n%s", buf[:n])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// receiversSettled says whether every goroutine of a zeroconf server's
// mainloop (the loop itself, a receive goroutine or its wrapper not yet
// started) has reached its read.
func receiversSettled(dump []byte) bool {
	for _, g := range bytes.Split(dump, []byte("\n\n")) {
		var frames [][]byte
		for _, line := range bytes.Split(g, []byte("\n")) {
			if !bytes.HasPrefix(line, []byte("created by ")) {
				frames = append(frames, line)
			}
		}
		body := bytes.Join(frames, []byte("\n"))
		if (bytes.Contains(body, []byte("zeroconf.(*Server).mainloop")) || bytes.Contains(body, []byte("zeroconf.(*Server).recv"))) &&
			!bytes.Contains(body, []byte("ReadFrom")) {
			return false
		}
	}
	return true
}

// closeAnnouncer closes a once its servers' goroutines run.
func closeAnnouncer(t testing.TB, a *Announcer) {
	t.Helper()
	waitReceivers(t)
	a.Close()
}

// TestReceiversSettled: a receive goroutine not yet started (only its
// wrapper on the stack) is unsettled, one blocked in its read is settled.
func TestReceiversSettled(t *testing.T) {
	notStarted := "goroutine 114 [runnable]:\n" +
		"github.com/grandcat/zeroconf.(*Server).mainloop.gowrap2()\n\t/x/server.go:191\n" +
		"runtime.goexit({})\n\t/x/asm_amd64.s:1700 +0x1\n" +
		"created by github.com/grandcat/zeroconf.(*Server).mainloop in goroutine 113\n\t/x/server.go:191 +0x1e4"
	reading := "goroutine 50 [IO wait]:\ninternal/poll.runtime_pollWait(0x7f, 0x72)\n\t/x/netpoll.go:351\n" +
		"golang.org/x/net/ipv4.(*payloadHandler).ReadFrom(0xc0, {0xc1, 0x10000, 0x10000})\n\t/x/payload_cmsg.go:31\n" +
		"github.com/grandcat/zeroconf.(*Server).recv4(0xc2, 0xc3)\n\t/x/server.go:237 +0x125\n" +
		"created by github.com/grandcat/zeroconf.(*Server).mainloop in goroutine 113\n\t/x/server.go:188 +0x6a"
	other := "goroutine 1 [chan receive]:\ntesting.(*T).Run(0xc0)\n\t/x/testing.go:2101"
	for _, tc := range []struct {
		dump string
		want bool
	}{
		{other, true},
		{reading + "\n\n" + other, true},
		{reading + "\n\n" + notStarted, false},
		{"goroutine 113 [runnable]:\ngithub.com/grandcat/zeroconf.(*Server).mainloop(0xc2)\n\t/x/server.go:186", false},
	} {
		if got := receiversSettled([]byte(tc.dump)); got != tc.want {
			t.Errorf("settled = %v, want %v for:\n%s", got, tc.want, tc.dump)
		}
	}
}
