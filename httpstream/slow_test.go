package httpstream

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"lancam/internal/tinywindow"
)

// TestSlowClient: a viewer that never reads must not slow down the others,
// must not queue frames (memory stays flat) and shows up with drops in
// /status.
func TestSlowClient(t *testing.T) {
	const fps = 30
	big := bigJPEG()
	src := &fakeSource{fps: fps, jpegs: [][]byte{big}}
	s := startServer(t, Config{Hub: newHub(t, src)})

	slow := dialTinyWindow(t, s.Addr())
	if _, err := io.WriteString(slow, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}

	conn, br := openStream(t, s.Addr())
	var got atomic.Int64
	readerDone := make(chan error, 1)
	go func() { readerDone <- countParts(br, &got) }()
	t.Cleanup(func() {
		conn.Close()
		<-readerDone
	})

	slowInfo := func() (ClientInfo, bool) {
		for _, c := range s.Clients() {
			if c.Address == slow.LocalAddr().String() {
				return c, true
			}
		}
		return ClientInfo{}, false
	}
	waitFor(t, 10*time.Second, "the slow client to drop frames", func() bool {
		c, ok := slowInfo()
		return ok && c.Dropped >= fps/2
	})

	// The slow client is stalled now. Over the next second the normal one
	// must still see (nearly) every frame, and the heap must not grow by
	// the frames the slow one misses.
	before := heapAfterGC()
	slowBefore, _ := slowInfo()
	start, n0 := time.Now(), got.Load()
	waitFor(t, 3*time.Second, "a second to pass", func() bool { return time.Since(start) >= time.Second })
	rate := float64(got.Load()-n0) / time.Since(start).Seconds()
	grown := int64(heapAfterGC()) - int64(before)
	slowAfter, _ := slowInfo()

	if rate < 0.7*fps {
		t.Errorf("normal client got %.1f fps next to a stalled one, want ≈ %d", rate, fps)
	}
	if limit := int64(4 * len(big)); grown > limit {
		t.Errorf("heap grew %d bytes in a second of stalled viewing (frames are %d bytes)", grown, len(big))
	}
	if d := slowAfter.Sent - slowBefore.Sent; d > 2 {
		t.Errorf("stalled client was sent %d frames in a second", d)
	}

	// /status reports the drops too.
	resp, err := testClient().Get("http://" + s.Addr() + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st statusShape
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range st.Clients {
		if c.Address == slow.LocalAddr().String() {
			found = true
			if c.Dropped < fps/2 {
				t.Errorf("/status shows %d drops for the stalled client", c.Dropped)
			}
		}
	}
	if !found || len(st.Clients) != 2 {
		t.Errorf("/status clients %+v, want both viewers", st.Clients)
	}
	t.Logf("normal %.1f fps, heap %+d bytes, stalled client sent %d dropped %d", rate, grown, slowAfter.Sent, slowAfter.Dropped)
}

// dialTinyWindow connects with a small receive buffer, so that a client
// that never reads stalls the sender after little data.
func dialTinyWindow(t testing.TB, addr string) net.Conn {
	t.Helper()
	conn, err := tinywindow.Dial(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// countParts reads parts until an error, counting them.
func countParts(br *bufio.Reader, n *atomic.Int64) error {
	tp := textproto.NewReader(br)
	for {
		h, err := tp.ReadMIMEHeader()
		if err != nil {
			return err
		}
		size, err := strconv.Atoi(h.Get("Content-Length"))
		if err != nil {
			return fmt.Errorf("Content-Length %q", h.Get("Content-Length"))
		}
		if _, err := br.Discard(size + len("\r\n--"+boundary+"\r\n")); err != nil {
			return err
		}
		n.Add(1)
	}
}

func heapAfterGC() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
