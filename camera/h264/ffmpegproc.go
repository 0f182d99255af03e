package h264

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// frameMeta is what an access unit inherits from the frame it came from.
type frameMeta struct {
	seq      uint64
	captured time.Time
	index    int64 // frames fed before this one, for keyWorthRestart
}

// ffmpegProc is one ffmpeg process for one picture size, with the reader
// goroutine that turns its output into access units.
type ffmpegProc struct {
	cmd     *exec.Cmd
	stdin   *os.File
	w, h    int
	started time.Time
	fed     int64 // frames written; Encode's goroutine only
	broken  error // a failed write: ffmpeg's input is out of step for good

	mu      sync.Mutex
	pending []frameMeta // fed, not yet come out

	lastKey atomic.Int64  // index of the newest key picture out
	done    chan struct{} // reader and stderr drain finished
	readErr error         // why the reader stopped; read after done
	tail    tailBuffer
}

// startFFmpeg starts ffmpeg with its own process group (so stop can kill
// whatever it spawned) and Pdeathsig (so it dies with lancam).
func startFFmpeg(bin string, args []string, cfg Config, w, h int) (*ffmpegProc, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		outR.Close()
		outW.Close()
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	inR.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		errR.Close()
		return nil, fmt.Errorf("starting ffmpeg: %w", err)
	}
	p := &ffmpegProc{cmd: cmd, stdin: inW, w: w, h: h, started: time.Now(), done: make(chan struct{})}
	p.lastKey.Store(-1)
	var drained sync.WaitGroup
	drained.Add(1)
	go func() {
		defer drained.Done()
		defer errR.Close()
		p.tail.drain(errR, cfg.Logger)
	}()
	go func() {
		defer close(p.done)
		defer outR.Close()
		p.readErr = p.read(outR, cfg.Emit)
		// The exit reason quoted by failure needs all of stderr.
		drained.Wait()
	}()
	cfg.Logger.Debug("ffmpeg started", "pid", cmd.Process.Pid, "args", strings.Join(args, " "))
	return p, nil
}

// feed writes one frame. Its metadata goes first into the FIFO, since the
// picture can come out before Write returns.
func (p *ffmpegProc) feed(raw []byte, m frameMeta) error {
	if p.broken != nil {
		return p.broken
	}
	p.broken = p.write(raw, m)
	return p.broken
}

func (p *ffmpegProc) write(raw []byte, m frameMeta) error {
	m.index = p.fed
	p.mu.Lock()
	p.pending = append(p.pending, m)
	p.mu.Unlock()
	p.fed++
	p.stdin.SetWriteDeadline(time.Now().Add(ffmpegWriteTimeout))
	if _, err := p.stdin.Write(raw); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("ffmpeg took no input for %v", ffmpegWriteTimeout)
		}
		select {
		case <-p.done:
			return fmt.Errorf("ffmpeg exited: %w", p.failure())
		case <-time.After(ffmpegStopGrace):
			return fmt.Errorf("writing to ffmpeg: %w", err)
		}
	}
	return nil
}

// exited reports whether ffmpeg's output has ended (it died or closed it).
func (p *ffmpegProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// failure describes why the reader stopped, with ffmpeg's last words.
func (p *ffmpegProc) failure() error {
	<-p.done
	err := p.readErr
	if err == nil {
		err = errors.New("output ended")
	}
	if t := p.tail.String(); t != "" {
		return fmt.Errorf("%w; stderr: %s", err, t)
	}
	return err
}

// keyWorthRestart applies the key request policy of ffmpegEnc.
func (p *ffmpegProc) keyWorthRestart(gop int, cfg Config) bool {
	if time.Since(p.started) < cfg.KeyInterval {
		return false
	}
	since := p.fed - p.lastKey.Load()
	return float64(int64(gop)-since) > cfg.FPS/2
}

// stop closes ffmpeg's input so it flushes and exits, kills its process
// group if it has not within ffmpegStopGrace, and reaps it. The reader has
// emitted everything and finished when stop returns.
func (p *ffmpegProc) stop() {
	p.stdin.Close()
	t := time.NewTimer(ffmpegStopGrace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	// The group may hold more than ffmpeg; nothing of it may outlive us.
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	p.cmd.Wait()
}

// read turns FLV from r into access units until EOF.
func (p *ffmpegProc) read(r io.Reader, emit func(AccessUnit)) error {
	fr := newFLVReader(bufio.NewReaderSize(r, 256<<10))
	for {
		data, err := fr.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		p.mu.Lock()
		if len(p.pending) == 0 {
			p.mu.Unlock()
			return errors.New("ffmpeg sent more pictures than it was given frames")
		}
		m := p.pending[0]
		p.pending = p.pending[1:]
		p.mu.Unlock()
		key := hasNAL(data, nalIDR)
		if key {
			p.lastKey.Store(m.index)
		}
		emit(AccessUnit{Data: data, Key: key, Seq: m.seq, Captured: m.captured, Width: p.w, Height: p.h})
	}
}

// tailBuffer keeps the end of ffmpeg's stderr for error messages and logs
// the first lines (with -loglevel error ffmpeg prints only trouble).
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const ffmpegLogLines = 20 // lines logged per process; the tail keeps the rest

func (t *tailBuffer) drain(r io.Reader, log *slog.Logger) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	for n := 0; sc.Scan(); n++ {
		line := sc.Bytes()
		if n < ffmpegLogLines {
			log.Warn("ffmpeg", "stderr", string(line))
		}
		t.mu.Lock()
		t.buf = append(t.buf, line...)
		t.buf = append(t.buf, '\n')
		if len(t.buf) > stderrTail {
			t.buf = append(t.buf[:0], t.buf[len(t.buf)-stderrTail:]...)
		}
		t.mu.Unlock()
	}
	io.Copy(io.Discard, r) // a line over 64 KiB: keep ffmpeg from blocking
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}
