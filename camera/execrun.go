package camera

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"lancam/camera/tjpeg"
)

// execRun is what one ExecSource.Run owns: the frame counter and the NO
// SIGNAL card. Only Run's goroutine touches it.
type execRun struct {
	s       *ExecSource
	ctx     context.Context
	publish func(*Frame)

	seq uint64
	ns  NoSignalPacer
}

// once runs the command until it exits, closes its stdout, stays silent
// for RestartAfter, or ctx ends; the process group is dead and the
// goroutines reading it have finished when once returns.
func (r *execRun) once() error {
	cfg := r.s.cfg
	outR, outW, err := os.Pipe()
	if err != nil {
		return err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return err
	}
	defer outR.Close()
	defer errR.Close()
	select {
	case <-r.s.restart: // settings changed while stopped: this start has them
	default:
	}
	argv := r.s.command()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = outW, errW
	cmd.Env = append(os.Environ(), cfg.Env...)
	// A group of its own, so that stopping kills a shell's children too;
	// Pdeathsig ends the command even if lancam itself is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		return fmt.Errorf("starting %s: %w", argv[0], err)
	}
	r.s.log.Info("camera command started", "pid", cmd.Process.Pid, "cmd", cfg.Device)
	pgid := cmd.Process.Pid

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		logLines(errR, r.s.log)
	}()
	frames := make(chan []byte, 1)
	readErrC := make(chan error, 1)
	stream := NewJPEGStream(outR, cfg.MaxFrame)
	go func() { readErrC <- r.read(stream, frames) }()

	var (
		reason   error // why the run ended, when not the exit itself
		waitErr  error
		readErr  error
		gone     bool // the leader has exited
		readDone bool // stdout reached EOF or failed
	)
	last := time.Now()
	tick := time.NewTicker(min(cfg.StallAfter/4, 250*time.Millisecond))
	defer tick.Stop()
	exitedC := exited
loop:
	for {
		select {
		case <-r.ctx.Done():
			break loop
		case <-r.s.restart:
			reason = errNewCommand
			break loop
		case b := <-frames:
			if r.emit(b) {
				last = time.Now()
			}
		case waitErr = <-exitedC:
			// Keep reading what it wrote before exiting (whole frames
			// before a cut-off one still count); anything left in its
			// group (a shell's children) goes now, so stdout reaches EOF.
			gone, exitedC = true, nil
			syscall.Kill(-pgid, syscall.SIGKILL)
		case readErr = <-readErrC:
			readDone = true
			select { // the reader's last frame may still be in the mailbox
			case b := <-frames:
				r.emit(b)
			default:
			}
			break loop
		case now := <-tick.C:
			quiet := now.Sub(last)
			if quiet >= cfg.StallAfter {
				if r.s.signal.Swap(false) {
					r.s.log.Warn("camera command sends no frames", "for", quiet.Round(time.Millisecond))
				}
				r.noSignalDue(now)
			}
			if quiet >= cfg.RestartAfter {
				reason = fmt.Errorf("no frame for %v", quiet.Round(time.Second))
				break loop
			}
		}
	}
	if !gone {
		waitErr = r.stop(pgid, exited)
		if reason == nil && readDone {
			reason = fmt.Errorf("it closed its stdout (%v)", readErr)
		}
	}
	syscall.Kill(-pgid, syscall.SIGKILL) // stragglers in the group
	// A process that left the group (setsid) may still hold the pipes:
	// closing our ends then is what ends the reading goroutines.
	unblock := time.AfterFunc(time.Second, func() {
		outR.Close()
		errR.Close()
	})
	defer unblock.Stop()
	if !readDone {
		readErr = <-readErrC
	}
	<-logDone
	r.s.dropped.Add(stream.DroppedFrames())
	if reason == nil {
		reason = exitReason(waitErr)
		if errors.Is(readErr, io.ErrUnexpectedEOF) {
			reason = fmt.Errorf("%v, in the middle of a frame", reason)
		}
	}
	return reason
}

// errNewCommand ends a run for SetArgv: not a failure, no back-off.
var errNewCommand = errors.New("new settings")

// read pumps frames from the command into a one-slot mailbox where a newer
// frame replaces one not yet taken: a command that floods faster than Run
// publishes never blocks, nor queues stale frames.
func (r *execRun) read(stream *JPEGStream, frames chan []byte) error {
	for {
		b, err := stream.Next()
		if err != nil {
			return err
		}
		select {
		case frames <- b:
		default:
			select {
			case <-frames:
				r.s.dropped.Add(1)
			default:
			}
			frames <- b // only this goroutine sends: there is room now
		}
	}
}

// stop ends the process group: SIGTERM (rpicam-vid releases the camera
// cleanly), SIGKILL after KillGrace. It returns the leader's wait error.
func (r *execRun) stop(pgid int, exited chan error) error {
	syscall.Kill(-pgid, syscall.SIGTERM)
	t := time.NewTimer(r.s.cfg.KillGrace)
	defer t.Stop()
	select {
	case err := <-exited:
		return err
	case <-t.C:
		r.s.log.Warn("camera command ignores SIGTERM; killing it", "pid", pgid)
		syscall.Kill(-pgid, syscall.SIGKILL)
		return <-exited
	}
}

// exitReason words a wait error for the log.
func exitReason(err error) error {
	if err == nil {
		return errors.New("exited with status 0")
	}
	return err
}

// emit checks one frame from the command and publishes it. Frames that are
// not sendable JPEGs are counted as dropped; UVC-style frames without
// Huffman tables get the standard ones (FixMJPEG).
func (r *execRun) emit(b []byte) bool {
	b, err := FixMJPEG(b)
	if err != nil {
		r.s.dropped.Add(1)
		return false
	}
	h, err := tjpeg.DecodeHeader(b)
	if err != nil || checkSize(h.Width, h.Height) != nil {
		r.s.dropped.Add(1)
		return false
	}
	r.s.setSize(h.Width, h.Height)
	if !r.s.signal.Swap(true) {
		r.s.log.Info("camera command frames arriving", "width", h.Width, "height", h.Height)
	}
	r.seq++
	r.publish(NewFrame(b, h.Width, h.Height, r.seq, time.Now()))
	r.ns.Reset() // the next outage shows NO SIGNAL at once
	return true
}

// noSignalDue publishes a NO SIGNAL card if one is due at now, the size of
// the command's last frames.
func (r *execRun) noSignalDue(now time.Time) {
	if !r.ns.Due(now) {
		return
	}
	w, h := r.s.size()
	f, err := r.ns.Frame(now, w, h, r.seq+1)
	if err != nil {
		r.s.log.Warn("no NO SIGNAL card", "err", err)
	}
	if f == nil {
		return
	}
	r.seq++
	r.publish(f)
}
