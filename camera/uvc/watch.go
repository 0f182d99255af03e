package uvc

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Op is what happened to a video node.
type Op int

// Node changes a Watcher reports.
const (
	Added   Op = iota + 1 // created, moved in, or its permissions changed (udev)
	Removed               // deleted or moved away
)

// String names the operation for logs.
func (o Op) String() string {
	switch o {
	case Added:
		return "added"
	case Removed:
		return "removed"
	}
	return "unknown"
}

// Event is one change of a /dev/videoN node.
type Event struct {
	Path string
	Op   Op
}

// Watcher reports video nodes appearing and disappearing in /dev through
// inotify, for hot-plug aware camera lists. Events may be dropped if the
// reader falls behind (the channel holds 32): treat any event as "List
// again", not as an exact log.
type Watcher struct {
	dir    string
	events chan Event
	once   sync.Once
	cancel context.CancelFunc
	done   chan struct{}
}

// NewWatcher makes a watcher of /dev; nothing runs until Start.
func NewWatcher() *Watcher { return newWatcher(devDir) }

func newWatcher(dir string) *Watcher {
	return &Watcher{dir: dir, events: make(chan Event, 32), done: make(chan struct{})}
}

// Events delivers node changes. It is closed when the watcher stops.
func (w *Watcher) Events() <-chan Event { return w.events }

// Start begins watching; it stops when ctx ends or Close is called. Start
// may be called once.
func (w *Watcher) Start(ctx context.Context) error {
	started := false
	w.once.Do(func() { started = true })
	if !started {
		return errors.New("uvc: watcher already started")
	}
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		close(w.done)
		close(w.events)
		return err
	}
	mask := uint32(unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM | unix.IN_ATTRIB)
	if _, err := unix.InotifyAddWatch(fd, w.dir, mask); err != nil {
		unix.Close(fd)
		close(w.done)
		close(w.events)
		return err
	}
	ctx, w.cancel = context.WithCancel(ctx)
	go w.loop(ctx, fd)
	return nil
}

// Close stops the watcher and waits for its goroutine. It is safe to call
// more than once, and without Start.
func (w *Watcher) Close() {
	w.once.Do(func() { close(w.done); close(w.events) }) // never started
	if w.cancel != nil {
		w.cancel()
	}
	<-w.done
}

func (w *Watcher) loop(ctx context.Context, fd int) {
	defer close(w.done)
	defer close(w.events)
	defer unix.Close(fd)
	buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
	for ctx.Err() == nil {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, err := unix.Poll(pfd, 200); n <= 0 || err != nil {
			continue // timeout or EINTR: look at ctx again
		}
		n, err := unix.Read(fd, buf)
		if err != nil || n <= 0 {
			continue
		}
		for _, ev := range parseInotify(buf[:n]) {
			if !isVideoNode(ev.name) {
				continue
			}
			op := Added
			if ev.mask&(unix.IN_DELETE|unix.IN_MOVED_FROM) != 0 {
				op = Removed
			}
			select {
			case w.events <- Event{Path: filepath.Join(w.dir, ev.name), Op: op}:
			default: // reader behind: it will List anyway
			}
		}
	}
}

type inotifyEvent struct {
	mask uint32
	name string
}

// parseInotify splits a read(2) of an inotify fd into events.
func parseInotify(b []byte) []inotifyEvent {
	var out []inotifyEvent
	for len(b) >= unix.SizeofInotifyEvent {
		raw := (*unix.InotifyEvent)(unsafe.Pointer(&b[0]))
		end := unix.SizeofInotifyEvent + int(raw.Len)
		if end > len(b) {
			break
		}
		name := b[unix.SizeofInotifyEvent:end]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		out = append(out, inotifyEvent{mask: raw.Mask, name: string(name)})
		b = b[end:]
	}
	return out
}
