package camera

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/shlex"
)

// ExecConfig configures an ExecSource.
type ExecConfig struct {
	// Argv is the command and its arguments, run without a shell; argv[0]
	// is looked up on PATH each time the process starts.
	Argv []string
	// Kind and Device are what /status and the log call the source
	// ("exec", "picam"; e.g. the command line or the camera model).
	Kind, Device string
	// Width and Height are the size asked for: the NO SIGNAL card's size
	// until the command's own frames say otherwise. FPS is informational.
	Width, Height int
	FPS           float64
	Quality       int      // of the NO SIGNAL card, 1..100 (default 80)
	MaxFrame      int      // longest frame accepted (default 16 MiB)
	Env           []string // added to lancam's environment
	Logger        *slog.Logger
	// Rotate and Mirror report a turn the command does itself
	// (rpicam-vid --rotation, --hflip, --vflip) in /status.
	Rotate int
	Mirror bool

	// Timings; zero means the default. Tests shorten them.
	StallAfter    time.Duration // no frame this long: NO SIGNAL (default 3 s)
	RestartAfter  time.Duration // no frame this long: kill and restart (default 10 s)
	BackoffMin    time.Duration // first wait before a restart (default 0.5 s)
	BackoffMax    time.Duration // longest wait (default 10 s)
	HealthyAfter  time.Duration // a run this long resets the back-off (default 30 s)
	NoSignalEvery time.Duration // NO SIGNAL card rate (default 1 s)
	KillGrace     time.Duration // SIGTERM to SIGKILL (default 2 s)
}

// ExecSource runs a command that writes concatenated JPEGs to its stdout
// (rpicam-vid --codec mjpeg -o -, ffmpeg -f mjpeg -, a script) and
// publishes each frame. The command runs only while the hub runs the
// source (someone watches) in a process group of its own, which is killed
// whole when the source stops, so a shell's children do not outlive it. A
// command that exits, or stops writing, is restarted with back-off while
// viewers see NO SIGNAL cards; its stderr goes to the log, rate-limited.
type ExecSource struct {
	cfg ExecConfig
	log *slog.Logger

	signal  atomic.Bool
	dropped atomic.Uint64
	restart chan struct{} // SetArgv: end the running command, start the new one
	mu      sync.Mutex
	argv    []string // the command the next start runs
	w, h    int      // size of the latest frame
}

// ParseExecSpec splits the COMMAND of -source exec:COMMAND into argv the way
// a shell would split words (quotes, backslashes), without running one: a
// user who wants pipes writes exec:sh -c '...' and asks for the shell.
func ParseExecSpec(spec string) ([]string, error) {
	cmd := strings.TrimPrefix(spec, "exec:")
	argv, err := shlex.Split(cmd)
	if err != nil {
		return nil, fmt.Errorf("-source exec: %v", err)
	}
	if len(argv) == 0 {
		return nil, errors.New("-source exec: needs a command, e.g. exec:ffmpeg -i rtsp://cam/ -f mjpeg -")
	}
	return argv, nil
}

// NewExecSource checks the configuration; nothing runs until Run.
func NewExecSource(cfg ExecConfig) (*ExecSource, error) {
	if len(cfg.Argv) == 0 || cfg.Argv[0] == "" {
		return nil, errors.New("exec source: no command")
	}
	if cfg.Width == 0 && cfg.Height == 0 {
		cfg.Width, cfg.Height = 640, 480
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, fmt.Errorf("exec source: %w", err)
	}
	if cfg.Kind == "" {
		cfg.Kind = "exec"
	}
	if cfg.Device == "" {
		cfg.Device = strings.Join(cfg.Argv, " ")
	}
	if cfg.Quality == 0 {
		cfg.Quality = 80
	}
	if cfg.Quality < 1 || cfg.Quality > 100 {
		return nil, fmt.Errorf("exec source: quality %d out of range 1..100", cfg.Quality)
	}
	if cfg.MaxFrame <= 0 {
		cfg.MaxFrame = 16 << 20
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.StallAfter, 3*time.Second)
	def(&cfg.RestartAfter, 10*time.Second)
	def(&cfg.BackoffMin, 500*time.Millisecond)
	def(&cfg.BackoffMax, 10*time.Second)
	def(&cfg.HealthyAfter, 30*time.Second)
	def(&cfg.NoSignalEvery, time.Second)
	def(&cfg.KillGrace, 2*time.Second)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &ExecSource{cfg: cfg, log: log.With("source", cfg.Kind), restart: make(chan struct{}, 1), argv: cfg.Argv}, nil
}

// SetArgv replaces the command; a running one is stopped and the new one
// started at once (Camera Modules take their settings on the command line).
func (s *ExecSource) SetArgv(argv []string) {
	s.mu.Lock()
	s.argv = slices.Clone(argv)
	s.mu.Unlock()
	select {
	case s.restart <- struct{}{}:
	default: // a restart is pending already; it runs the newest argv
	}
}

// command is the argv to start now.
func (s *ExecSource) command() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.argv
}

// Info describes the source for /status: the size is the latest frame's.
func (s *ExecSource) Info() SourceInfo {
	w, h := s.size()
	return SourceInfo{Kind: s.cfg.Kind, Device: s.cfg.Device, Format: "MJPEG (command)",
		Width: w, Height: h, FPS: s.cfg.FPS, Dropped: s.dropped.Load(), Rotate: s.cfg.Rotate, Mirror: s.cfg.Mirror}
}

// Signal reports whether the command's frames are arriving (not NO SIGNAL).
func (s *ExecSource) Signal() bool { return s.signal.Load() }

func (s *ExecSource) size() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w > 0 {
		return s.w, s.h
	}
	return s.cfg.Width, s.cfg.Height
}

func (s *ExecSource) setSize(w, h int) {
	s.mu.Lock()
	s.w, s.h = w, h
	s.mu.Unlock()
}

// Run starts the command and publishes its frames until ctx ends, then
// returns nil with the process group gone and every goroutine it started
// finished. A command that cannot start, exits or goes quiet never ends
// Run: it is restarted after 0.5 s doubling to 10 s (reset by a run that
// lasted 30 s), with NO SIGNAL cards published once a second meanwhile.
func (s *ExecSource) Run(ctx context.Context, publish func(*Frame)) error {
	r := &execRun{s: s, ctx: ctx, publish: publish, ns: NoSignalPacer{Every: s.cfg.NoSignalEvery,
		Device: s.cfg.Device, Quality: s.cfg.Quality}}
	defer r.ns.Close()
	s.signal.Store(false)
	backoff := s.cfg.BackoffMin
	for ctx.Err() == nil {
		start := time.Now()
		err := r.once()
		if ctx.Err() != nil {
			break
		}
		if errors.Is(err, errNewCommand) {
			s.log.Info("camera command restarted with new settings")
			backoff = s.cfg.BackoffMin
			continue
		}
		s.signal.Store(false)
		s.log.Warn("camera command ended; restarting", "err", err, "ran", time.Since(start).Round(time.Millisecond),
			"retry_in", backoff)
		if time.Since(start) >= s.cfg.HealthyAfter {
			backoff = s.cfg.BackoffMin
		}
		r.ns.Wait(ctx, backoff, r.noSignalDue, nil)
		backoff = min(2*backoff, s.cfg.BackoffMax)
	}
	s.signal.Store(false)
	return nil
}
