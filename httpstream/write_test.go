package httpstream

import (
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"testing"
	"time"

	"lancam/camera"
)

// discardConn accepts every write, so benchmarks measure the server's own
// cost per client and frame, not the kernel's.
type discardConn struct{ net.Conn }

func (discardConn) Write(b []byte) (int, error)      { return len(b), nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }

// benchFrames are distinct 120 KB frames, the benchmark's 720p size.
func benchFrames(n int) []*camera.Frame {
	rng := rand.New(rand.NewPCG(3, 4))
	fs := make([]*camera.Frame, n)
	for i := range fs {
		jpg := make([]byte, 120<<10)
		for j := range jpg {
			jpg[j] = byte(rng.Uint32())
		}
		fs[i] = camera.NewFrame(jpg, 1280, 720, uint64(i), time.Unix(1_700_000_000, int64(i)*33_333_333))
	}
	return fs
}

func discardClients(n int) []*client {
	cs := make([]*client, n)
	for i := range cs {
		cs[i] = &client{conn: discardConn{}}
	}
	return cs
}

// TestWritePathAllocs: delivering a frame costs no allocation per client;
// building a new frame's shared part costs two allocations (the part and its
// bytes) for all of them together.
func TestWritePathAllocs(t *testing.T) {
	parts := &partCache{}
	frames := benchFrames(8)
	clients := discardClients(100)

	f := frames[0]
	parts.get(f)
	perClient := testing.AllocsPerRun(100, func() {
		for _, c := range clients {
			if err := c.deliver(parts, f); err != nil {
				t.Fatal(err)
			}
		}
	})
	if perClient != 0 {
		t.Errorf("%v allocations delivering one built frame to 100 clients, want 0", perClient)
	}

	i := 0
	perFrame := testing.AllocsPerRun(100, func() {
		i++
		for _, c := range clients {
			c.deliver(parts, frames[i%len(frames)])
		}
	})
	if perFrame > 2 {
		t.Errorf("%v allocations per new frame for 100 clients, want ≤ 2 (its part)", perFrame)
	}
}

// TestWritePathAllocsTCP: the same on a real loopback connection, whose
// deadline and write calls must not allocate either.
func TestWritePathAllocsTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		buf := make([]byte, 256<<10)
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
		}
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	parts := &partCache{}
	f := benchFrames(1)[0]
	c := &client{conn: conn}
	c.deliver(parts, f) // warm up: builds the part, sizes socket buffers
	allocs := testing.AllocsPerRun(200, func() {
		if err := c.deliver(parts, f); err != nil {
			t.Fatal(err)
		}
	})
	conn.Close()
	<-drained
	if allocs != 0 {
		t.Errorf("%v allocations per frame on a TCP connection, want 0", allocs)
	}
}

// BenchmarkWritePart delivers 120 KB frames to n clients; one op is one
// frame to all of them. allocs/op stays 2 (the frame's shared part and its
// bytes) whatever n is: zero per client.
func BenchmarkWritePart(b *testing.B) {
	frames := benchFrames(8)
	for _, n := range []int{1, 100, 400} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			parts := &partCache{}
			clients := discardClients(n)
			b.SetBytes(int64(n) * int64(len(buildPart(frames[0]))))
			b.ReportAllocs()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			i := 0
			for b.Loop() {
				f := frames[i%len(frames)]
				i++
				for _, c := range clients {
					if err := c.deliver(parts, f); err != nil {
						b.Fatal(err)
					}
				}
			}
			runtime.ReadMemStats(&m1)
			b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(i*n), "allocs/client-frame")
		})
	}
}

// BenchmarkWritePartTCP is the write path over real loopback sockets, with
// a reader per client, to show the per-GB cost including the kernel.
func BenchmarkWritePartTCP(b *testing.B) {
	const n = 16
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{}, n)
	clients := make([]*client, n)
	for i := range clients {
		go func() {
			defer func() { done <- struct{}{} }()
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
			buf := make([]byte, 256<<10)
			for {
				if _, err := conn.Read(buf); err != nil {
					return
				}
			}
		}()
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = &client{conn: conn}
	}
	frames := benchFrames(8)
	parts := &partCache{}
	b.SetBytes(n * int64(len(buildPart(frames[0]))))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := frames[i%len(frames)]
		i++
		for _, c := range clients {
			if err := c.deliver(parts, f); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, c := range clients {
		c.conn.Close()
	}
	for range n {
		<-done
	}
}
