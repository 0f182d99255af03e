//go:build hostile

package main

// Resource attacks: connections that hold the server's goroutines and
// descriptors by being slow on purpose.

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"lancam/internal/tinywindow"
)

// The server's limits this test holds lancam to (httpstream/run.go and
// httpstream/clients.go), and how late a drop may come on a loaded machine:
// the server's clock starts at accept, ours at dial, and two cores under
// -race run 800 connections plus 50 viewers.
const (
	readHeaderTimeout = 10 * time.Second // a request's headers must arrive within this
	readTimeout       = 10 * time.Second // and its body too
	streamWriteLimit  = 10 * time.Second // a stream viewer that takes no data this long is dropped
	dropMargin        = 3 * time.Second
)

// The attack as issue 6 sizes it. On the 2-core dev machine, with -race,
// every viewer kept 29.5-30 fps with all of it at once; the one visible
// effect is a gap of about 250 ms as the 750 connections arrive together.
// With other test suites loading the same two cores (load average 8) the
// viewers fell to 27.3 fps once: run this test alone.
const (
	nViewers    = 50
	nSlowloris  = 500 // headers a byte every two seconds
	nSlowBody   = 50  // whole headers, then a declared body a byte every two seconds
	nNonReaders = 200 // stream requests that never read
	viewWindow  = 15 * time.Second
	trickleGap  = 2 * time.Second
)

// TestE2ESlowloris runs the slow attacks at once against one lancam while
// normal viewers watch: the viewers keep full rate, every attacking
// connection is closed by the server within its limit, and afterwards
// lancam's goroutines and descriptors are back where they were.
func TestE2ESlowloris(t *testing.T) {
	if testing.Short() {
		t.Skip("the attack takes about 25 s")
	}
	// ~800 attacking sockets and the viewers, on this side. lancam needs no
	// code of its own for this: Go's syscall package raises the soft limit
	// to the hard one when a program starts (Go 1.19+), and it is checked
	// below.
	const needFDs = 1200
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
	}
	if lim.Cur < needFDs {
		t.Skipf("open-file limit %d < %d: raise the hard limit (ulimit -Hn) to run this test", lim.Cur, needFDs)
	}

	l := startLancam(t, "-source", "test", "-size", "640x360", "-fps", "30", "-max-clients", "400")
	if n, err := lancamNoFile(l); err != nil || n < needFDs {
		t.Fatalf("lancam's open-file limit is %d (%v), want >= %d: it must raise its soft limit", n, err, needFDs)
	}
	idle := settledProcess(t, l, nil, 0)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	viewers := make([]*viewer, nViewers)
	for i := range viewers {
		viewers[i] = startViewer(ctx, l.addr)
	}
	closeViewers := sync.OnceFunc(func() {
		for _, v := range viewers {
			v.close()
		}
	})
	defer closeViewers()
	for i, v := range viewers {
		if err := v.waitFrames(5, 10*time.Second); err != nil {
			t.Fatalf("viewer %d: %v%s", i, err, stderrTail(l))
		}
	}
	watching := settledProcess(t, l, nil, 0)
	t.Logf("baseline: idle %+v, with %d viewers %+v", idle, nViewers, watching)

	// The attack.
	attackStart := time.Now()
	var wg sync.WaitGroup
	slow := make([]attackResult, nSlowloris+nSlowBody)
	for i := range slow {
		req := "GET /status HTTP/1.1\r\nHost: " + l.addr + "\r\nX-Slow: "
		if i >= nSlowloris {
			req = "GET /status HTTP/1.1\r\nHost: " + l.addr + "\r\nContent-Length: 100000\r\n\r\n"
		}
		wg.Go(func() { slow[i] = trickle(ctx, l.addr, req, readHeaderTimeout+dropMargin+5*time.Second) })
	}
	nonReaders := make([]nonReader, nNonReaders)
	for i := range nonReaders {
		wg.Go(func() { nonReaders[i] = dialNonReader(ctx, l.addr) })
	}
	defer func() {
		for _, nr := range nonReaders {
			if nr.conn != nil {
				nr.conn.Close()
			}
		}
	}()

	// Each non-reader is dropped when it leaves /status's client list;
	// polled, because the server tells it nothing it would read.
	dropped := make(map[string]time.Time)
	seen := make(map[string]bool)
	pollDone := make(chan error, 1)
	pollCtx, stopPoll := context.WithCancel(ctx)
	defer stopPoll()
	go func() {
		pollDone <- pollClients(pollCtx, l, seen, dropped, attackStart.Add(viewWindow+dropMargin))
	}()

	wg.Wait() // the slow connections end by being closed, or by their own deadline
	if err := <-pollDone; err != nil {
		t.Errorf("polling /status: %v", err)
	}
	if end := attackStart.Add(viewWindow); time.Now().Before(end) {
		// The viewers' window is fixed so their rate is comparable between
		// runs; the attack is over before it ends.
		time.Sleep(time.Until(end))
	}

	// The viewers kept their rate through the whole attack.
	worst := rateStats{fps: 1000}
	for i, v := range viewers {
		r := v.rate(attackStart, attackStart.Add(viewWindow))
		if err := v.failure(); err != nil {
			t.Errorf("viewer %d: stream broke: %v", i, err)
		}
		if r.fps < minViewerFPS {
			t.Errorf("viewer %d: %.2f fps during the attack, want >= %d (longest gap %v at +%v)", i, r.fps, minViewerFPS, r.gap, r.gapAt)
		}
		worst.fps = min(worst.fps, r.fps)
		if r.gap > worst.gap {
			worst.gap, worst.gapAt = r.gap, r.gapAt
		}
	}
	t.Logf("%d viewers over %v of attack: lowest %.2f fps, longest gap between frames %v at +%v",
		nViewers, viewWindow, worst.fps, worst.gap.Round(time.Millisecond), worst.gapAt.Round(time.Millisecond))

	// Every slow connection was closed, within its limit.
	for _, kind := range []struct {
		name  string
		res   []attackResult
		limit time.Duration
	}{
		{"slowloris (headers)", slow[:nSlowloris], readHeaderTimeout},
		{"slow body", slow[nSlowloris:], readTimeout},
	} {
		var times []time.Duration
		for i, r := range kind.res {
			switch {
			case r.err != nil:
				t.Errorf("%s %d: %v", kind.name, i, r.err)
			case !r.closed:
				t.Errorf("%s %d: still open after %v", kind.name, i, r.after)
			case r.after > kind.limit+dropMargin:
				t.Errorf("%s %d: closed after %v, want within %v + %v", kind.name, i, r.after, kind.limit, dropMargin)
			default:
				times = append(times, r.after)
			}
		}
		t.Logf("%d %s connections closed by the server after %s", len(kind.res), kind.name, spread(times))
	}

	// Every non-reader was dropped, within the stream's write limit.
	var dropTimes []time.Duration
	for i, nr := range nonReaders {
		switch at, ok := dropped[nr.addr]; {
		case nr.err != nil:
			t.Errorf("non-reader %d: %v", i, nr.err)
		case !seen[nr.addr]:
			t.Errorf("non-reader %d (%s) never appeared among /status's clients", i, nr.addr)
		case !ok:
			t.Errorf("non-reader %d (%s) was not dropped", i, nr.addr)
		case at.Sub(nr.dialed) > streamWriteLimit+dropMargin:
			t.Errorf("non-reader %d: dropped after %v, want within %v + %v", i, at.Sub(nr.dialed), streamWriteLimit, dropMargin)
		default:
			dropTimes = append(dropTimes, at.Sub(nr.dialed))
		}
	}
	t.Logf("%d non-reading stream clients dropped after %s", nNonReaders, spread(dropTimes))

	// Nothing of the attack is left: back to the viewers-only baseline,
	// then, with the viewers gone, to the idle one.
	t0 := time.Now()
	after := settledProcess(t, l, &watching, 5*time.Second)
	t.Logf("with the viewers, after the attack: %+v (baseline %+v), settled in %v", after, watching, time.Since(t0).Round(time.Millisecond))
	closeViewers()
	t0 = time.Now()
	// The camera stops a few seconds after the last viewer leaves, which
	// ends its goroutines.
	after = settledProcess(t, l, &idle, 10*time.Second)
	t.Logf("idle again: %+v (baseline %+v), settled in %v", after, idle, time.Since(t0).Round(time.Millisecond))
	if t.Failed() {
		t.Log(stderrTail(l))
	}
}

// attackResult is how one slow connection ended.
type attackResult struct {
	closed bool          // the server closed it (or answered and closed)
	after  time.Duration // from dial to that
	err    error         // the attack could not even be made
}

// trickle connects, sends req, then one more byte every trickleGap, until
// the server closes the connection or giveUp passes.
func trickle(ctx context.Context, addr, req string, giveUp time.Duration) attackResult {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return attackResult{err: err}
	}
	defer conn.Close()
	dialed := time.Now()
	if _, err := io.WriteString(conn, req); err != nil {
		return attackResult{err: err}
	}
	var buf [4096]byte
	for time.Since(dialed) < giveUp {
		conn.SetReadDeadline(time.Now().Add(trickleGap))
		_, err := conn.Read(buf[:])
		if err == nil {
			continue // an answer; the close follows
		}
		if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			return attackResult{closed: true, after: time.Since(dialed)} // EOF or reset
		}
		if _, err := conn.Write([]byte("a")); err != nil {
			return attackResult{closed: true, after: time.Since(dialed)}
		}
	}
	return attackResult{after: time.Since(dialed)}
}

// nonReader is a stream request whose answer is never read.
type nonReader struct {
	conn   net.Conn
	addr   string // its local address, as /status lists it
	dialed time.Time
	err    error
}

// dialNonReader requests the stream with a tiny receive buffer, so the
// server's writes block after a few frames instead of filling megabytes of
// socket buffers first.
func dialNonReader(ctx context.Context, addr string) nonReader {
	conn, err := tinywindow.Dial(ctx, addr)
	if err != nil {
		return nonReader{err: err}
	}
	nr := nonReader{conn: conn, addr: conn.LocalAddr().String(), dialed: time.Now()}
	if _, err := fmt.Fprintf(conn, "GET /stream.mjpg HTTP/1.1\r\nHost: %s\r\n\r\n", addr); err != nil {
		nr.err = err
	}
	return nr
}

// pollClients watches /status's client list until until passes: seen gets
// every address listed, dropped the first time a seen one is missing.
func pollClients(ctx context.Context, l *lancam, seen map[string]bool, dropped map[string]time.Time, until time.Time) error {
	for time.Now().Before(until) {
		st, err := fetchStatus(l)
		if err != nil {
			return err
		}
		now := time.Now()
		listed := make(map[string]bool, len(st.Clients))
		for _, c := range st.Clients {
			listed[c.Address] = true
			seen[c.Address] = true
		}
		for a := range seen {
			if _, ok := dropped[a]; !ok && !listed[a] {
				dropped[a] = now
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// settledProcess polls /status's process counters until they are within
// tolerance of base (goroutines and descriptors), failing the test after
// timeout; with base nil it waits for two equal readings in a row, the
// baseline of a server at rest.
func settledProcess(t *testing.T, l *lancam, base *processDoc, timeout time.Duration) processDoc {
	t.Helper()
	const tolerance = 5
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	deadline := time.Now().Add(timeout)
	var prev processDoc
	for {
		st, err := fetchStatus(l)
		if err != nil {
			t.Fatalf("/status: %v%s", err, stderrTail(l))
		}
		p := st.Process
		if p.OpenFDs < 0 {
			t.Fatalf("/status has no descriptor count: %+v", p)
		}
		if base == nil && p == prev {
			return p
		}
		if base != nil && p.Goroutines <= base.Goroutines+tolerance && p.OpenFDs <= base.OpenFDs+tolerance {
			return p
		}
		if time.Now().After(deadline) {
			if base == nil {
				return p
			}
			t.Errorf("after %v lancam still has %+v, baseline %+v (+%d allowed)", timeout, p, *base, tolerance)
			return p
		}
		prev = p
		time.Sleep(200 * time.Millisecond)
	}
}

// spread summarises durations as min / median / max.
func spread(d []time.Duration) string {
	if len(d) == 0 {
		return "(none)"
	}
	slices.Sort(d)
	r := func(x time.Duration) time.Duration { return x.Round(10 * time.Millisecond) }
	return fmt.Sprintf("min %v / median %v / max %v", r(d[0]), r(d[len(d)/2]), r(d[len(d)-1]))
}
