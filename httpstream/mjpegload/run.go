package mjpegload

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"
)

// Config describes one load run.
type Config struct {
	URL      string        // stream URL, http://host:port/stream.mjpg
	Clients  int           // concurrent stream clients
	Duration time.Duration // measurement window
	Warmup   time.Duration // time before the window: frames then are checked but not counted
	MaxFrame int           // largest part accepted, 0 for DefaultMaxPart
	// PID, if not 0, is the server's process id: its CPU time is sampled at
	// both ends of the window and its peak RSS at the end (Linux only).
	PID int
}

// target is the parsed URL: where to dial and what to ask for.
type target struct {
	hostPort   string // for net.Dial
	host       string // for the Host header
	requestURI string
}

func parseTarget(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, err
	}
	if u.Scheme != "http" {
		return target{}, fmt.Errorf("URL %q: only http:// is supported", raw)
	}
	if u.Host == "" {
		return target{}, fmt.Errorf("URL %q has no host", raw)
	}
	t := target{hostPort: u.Host, host: u.Host, requestURI: u.RequestURI()}
	if u.Port() == "" {
		t.hostPort = u.Host + ":80"
	}
	return t, nil
}

// Run opens cfg.Clients concurrent streams from cfg.URL, reads them for
// cfg.Warmup + cfg.Duration and returns what was delivered in the window. It
// fails only on a bad Config or an unreadable PID; refused clients, bad parts
// and dropped streams are reported in the Result. If ctx ends early, Run
// stops, and returns the partial Result with ctx's error.
func Run(ctx context.Context, cfg Config) (Result, error) {
	switch {
	case cfg.Clients <= 0:
		return Result{}, errors.New("mjpegload: Clients must be positive")
	case cfg.Duration <= 0:
		return Result{}, errors.New("mjpegload: Duration must be positive")
	case cfg.Warmup < 0:
		return Result{}, errors.New("mjpegload: Warmup must not be negative")
	}
	tgt, err := parseTarget(cfg.URL)
	if err != nil {
		return Result{}, fmt.Errorf("mjpegload: %w", err)
	}
	if cfg.PID != 0 {
		if _, _, err := ProcStats(cfg.PID); err != nil {
			return Result{}, fmt.Errorf("mjpegload: server pid: %w", err)
		}
	}

	start := time.Now()
	w := window{start: start.Add(cfg.Warmup)}
	w.end = w.start.Add(cfg.Duration)
	runCtx, cancel := context.WithDeadline(ctx, w.end)
	defer cancel()

	stats := make([]clientStats, cfg.Clients)
	opts := clientOpts{maxFrame: cfg.MaxFrame, window: &w, delays: true}
	var wg sync.WaitGroup
	for i := range stats {
		wg.Go(func() { stats[i] = runClient(runCtx, tgt, opts) })
	}

	var srv serverSample
	if cfg.PID != 0 {
		srv = sampleServer(runCtx, cfg.PID, w.start)
	}
	wg.Wait()

	// Streams that ended early still had the whole window to deliver in;
	// only a cancelled run shortens it.
	end := w.end
	if err := ctx.Err(); err != nil && time.Now().Before(end) {
		end = time.Now()
	}
	res := aggregate(stats, max(end.Sub(w.start), 0))
	res.addServer(srv)
	return res, ctx.Err()
}

// serverSample is the server's CPU time across the window and its peak RSS.
type serverSample struct {
	cpu  float64
	rss  int64
	err  error
	done bool
}

// sampleServer reads the server's CPU time when the window opens and again
// when ctx ends (the window closes), before the clients hang up.
func sampleServer(ctx context.Context, pid int, windowStart time.Time) serverSample {
	t := time.NewTimer(time.Until(windowStart))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return serverSample{err: errors.New("run ended before the window opened")}
	}
	before, _, err := ProcStats(pid)
	if err != nil {
		return serverSample{err: err}
	}
	<-ctx.Done()
	after, rss, err := ProcStats(pid)
	if err != nil {
		return serverSample{err: err}
	}
	return serverSample{cpu: after - before, rss: rss, done: true}
}
