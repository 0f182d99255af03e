// Command mjpegload loads an MJPEG-over-HTTP server with many concurrent
// stream clients and reports per-client frame rate, capture-to-arrival delay,
// refused clients, bad parts and, given the server's pid, its CPU seconds per
// delivered GB and peak RSS.
//
//	mjpegload -url http://127.0.0.1:8080/stream.mjpg -clients 50,200,400 -duration 20s -pid 1234
//
// It prints one line per run (one JSON object per line with -json) and exits
// 1 if any part was not a whole JPEG or a run failed, 2 on bad flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"lancam/httpstream/mjpegload"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the parsed flags.
type options struct {
	cfg     mjpegload.Config // Clients unset: see clients
	clients []int
	pause   time.Duration
	json    bool
	profile string
}

func parseFlags(args []string, stdout io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("mjpegload", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.cfg.URL, "url", "", "stream URL, e.g. http://127.0.0.1:8080/stream.mjpg (required)")
	clients := fs.String("clients", "50", "concurrent clients; a list such as 50,200,400 runs each in turn")
	fs.DurationVar(&o.cfg.Duration, "duration", 20*time.Second, "measurement window of each run")
	fs.DurationVar(&o.cfg.Warmup, "warmup", 3*time.Second, "time before the window (frames checked, not counted)")
	fs.IntVar(&o.cfg.PID, "pid", 0, "server pid, for its CPU s/GB and peak RSS (optional, Linux)")
	fs.IntVar(&o.cfg.MaxFrame, "max-frame", mjpegload.DefaultMaxPart, "largest part accepted, bytes")
	fs.DurationVar(&o.pause, "pause", time.Second, "pause between runs, for the server to drop the last run's clients")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per run instead of a line of text")
	fs.StringVar(&o.profile, "cpuprofile", "", "write the load generator's own CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fmt.Fprintln(stdout, "usage: mjpegload -url URL [flags]")
			fs.PrintDefaults()
		}
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.cfg.URL == "":
		return o, errors.New("-url is required")
	case o.cfg.Duration <= 0:
		return o, errors.New("-duration must be positive")
	case o.cfg.Warmup < 0:
		return o, errors.New("-warmup must not be negative")
	case o.cfg.PID < 0:
		return o, errors.New("-pid must not be negative")
	case o.cfg.MaxFrame <= 0:
		return o, errors.New("-max-frame must be positive")
	case o.pause < 0:
		return o, errors.New("-pause must not be negative")
	}
	for f := range strings.SplitSeq(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return o, fmt.Errorf("-clients: %q is not a positive number", f)
		}
		o.clients = append(o.clients, n)
	}
	return o, nil
}

// run is the command without the process around it; it returns the exit
// code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "mjpegload: %v\n", err)
		return 2
	}
	if o.profile != "" {
		f, err := os.Create(o.profile)
		if err != nil {
			fmt.Fprintf(stderr, "mjpegload: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "mjpegload: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	code := 0
	for i, n := range o.clients {
		if i > 0 && o.pause > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(o.pause):
			}
		}
		cfg := o.cfg
		cfg.Clients = n
		res, err := mjpegload.Run(ctx, cfg)
		if err != nil && res.Clients == 0 {
			fmt.Fprintf(stderr, "mjpegload: %v\n", err)
			return 1
		}
		if o.json {
			fmt.Fprintln(stdout, res.JSON())
		} else {
			fmt.Fprintln(stdout, res)
		}
		if res.BadParts > 0 {
			code = 1
		}
		if err != nil { // interrupted: the partial result is out
			fmt.Fprintf(stderr, "mjpegload: %v\n", err)
			return 1
		}
	}
	return code
}
