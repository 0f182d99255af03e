// Command soak keeps a lancam busy with churning MJPEG viewers for a long
// time and checks that its memory, goroutines and descriptors do not creep
// up: leaks that a short test cannot see. scripts/soak.sh (make soak) starts
// lancam and runs it.
//
//	soak -url http://127.0.0.1:18090 -pid 1234 -viewers 50 -churn 5 -duration 10m
//
// Every second it hangs up -churn random viewers and connects as many new
// ones. Samples are taken at start (after the warm-up), every -every and at
// the end, each with the churn paused and all viewers connected and
// receiving, so that the counts compare like with like; the server's counts
// with no viewers are also taken before and after the load. It prints a
// table and exits 1 if the end exceeds the start by more than the
// tolerances, or if a viewer could not stream.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"text/tabwriter"
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
	base     string // http://host:port of the server
	pid      int
	viewers  int
	churn    int
	duration time.Duration
	every    time.Duration
	warmup   time.Duration
	rssTol   float64 // allowed RSS growth, fraction
	countTol int     // allowed goroutine and descriptor growth
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.StringVar(&o.base, "url", "", "server base URL, e.g. http://127.0.0.1:8080 (required)")
	fs.IntVar(&o.pid, "pid", 0, "server pid, for its RSS (required)")
	fs.IntVar(&o.viewers, "viewers", 50, "concurrent stream viewers")
	fs.IntVar(&o.churn, "churn", 5, "viewers replaced every second")
	fs.DurationVar(&o.duration, "duration", 10*time.Minute, "how long to run the load")
	fs.DurationVar(&o.every, "every", time.Minute, "sampling interval")
	fs.DurationVar(&o.warmup, "warmup", 15*time.Second, "load before the start sample (heaps and pools grow to their working size)")
	fs.Float64Var(&o.rssTol, "rss-tolerance", 0.20, "allowed RSS growth from start to end, as a fraction")
	fs.IntVar(&o.countTol, "count-tolerance", 10, "allowed goroutine and descriptor growth")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.base == "" || o.pid <= 0:
		return o, errors.New("-url and -pid are required")
	case o.viewers <= 0 || o.churn < 0 || o.churn > o.viewers:
		return o, errors.New("-viewers must be positive and -churn between 0 and -viewers")
	case o.duration <= 0 || o.every <= 0:
		return o, errors.New("-duration and -every must be positive")
	}
	return o, nil
}

// sample is one row of the table.
type sample struct {
	label      string
	at         time.Duration // since the load started
	rssKB      int64
	goroutines int
	fds        int // from /status
	procFDs    int // from /proc/PID/fd, as a cross-check
	clients    int // stream clients /status lists
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "soak: %v\n", err)
		return 2
	}
	// The pool is made first: it checks -url, a flag error (exit 2).
	p, err := mjpegload.NewPool(ctx, mjpegload.PoolConfig{URL: o.base + "/stream.mjpg"})
	if err != nil {
		fmt.Fprintf(stderr, "soak: -url: %v\n", err)
		return 2
	}
	defer p.Close()
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "soak: "+format+"\n", a...)
	}
	start := time.Now()
	var rows []sample
	take := func(label string) (sample, error) {
		s, err := measure(o)
		s.label, s.at = label, time.Since(start).Round(time.Second)
		if err == nil {
			rows = append(rows, s)
			logf("%s: rss %d KB, goroutines %d, fds %d, clients %d", label, s.rssKB, s.goroutines, s.fds, s.clients)
		}
		return s, err
	}
	idleBefore, err := take("idle before")
	if err != nil {
		logf("%v", err)
		return 1
	}

	churn := func(until time.Time) error { return p.Churn(ctx, o.churn, time.Second, until) }
	// steady pauses the churn with every viewer connected and streaming, so
	// that a sample never catches a connection half set up.
	steady := func() error {
		p.Fill(o.viewers)
		if err := p.WaitStreaming(ctx, 10*time.Second); err != nil {
			return err
		}
		// Let hung-up connections finish on the server side.
		time.Sleep(500 * time.Millisecond)
		return p.Err()
	}

	p.Fill(o.viewers)
	fail := func(err error) int {
		logf("%v", err)
		printTable(stdout, rows)
		return 1
	}
	if err := churn(time.Now().Add(o.warmup)); err != nil {
		return fail(err)
	}
	if err := steady(); err != nil {
		return fail(err)
	}
	first, err := take("start")
	if err != nil {
		return fail(err)
	}
	loadStart := time.Now()
	end := loadStart.Add(o.duration)
	for n := 1; time.Now().Before(end); n++ {
		next := loadStart.Add(time.Duration(n) * o.every)
		if next.After(end) {
			next = end
		}
		if err := churn(next); err != nil {
			return fail(err)
		}
		if err := steady(); err != nil {
			return fail(err)
		}
		label := fmt.Sprintf("minute %d", n)
		if !time.Now().Before(end) {
			label = "end"
		}
		if _, err := take(label); err != nil {
			return fail(err)
		}
	}
	last := rows[len(rows)-1]
	p.Close()
	total := p.Stats()

	// The server notices hang-ups at once (it reads every stream
	// connection), so a few seconds are plenty for it to settle.
	var idleAfter sample
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := measure(o)
		if err == nil && s.clients == 0 && s.goroutines <= idleBefore.goroutines+o.countTol && s.fds <= idleBefore.fds+o.countTol {
			break
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if idleAfter, err = take("idle after"); err != nil {
		return fail(err)
	}
	printTable(stdout, rows)
	fmt.Fprintf(stdout, "\n%d viewer connections, %d frames (%.1f MB) received in %v\n",
		total.Connected, total.Frames, float64(total.Bytes)/1e6, time.Since(start).Round(time.Second))

	var bad []string
	if float64(last.rssKB) > float64(first.rssKB)*(1+o.rssTol) {
		bad = append(bad, fmt.Sprintf("RSS grew from %d to %d KB (more than %.0f %%)", first.rssKB, last.rssKB, o.rssTol*100))
	}
	check := func(what string, a, b sample, get func(sample) int) {
		if get(b) > get(a)+o.countTol {
			bad = append(bad, fmt.Sprintf("%s grew from %d (%s) to %d (%s), more than %d", what, get(a), a.label, get(b), b.label, o.countTol))
		}
	}
	check("goroutines", first, last, func(s sample) int { return s.goroutines })
	check("open fds", first, last, func(s sample) int { return s.fds })
	check("idle goroutines", idleBefore, idleAfter, func(s sample) int { return s.goroutines })
	check("idle open fds", idleBefore, idleAfter, func(s sample) int { return s.fds })
	if len(bad) > 0 {
		for _, b := range bad {
			fmt.Fprintln(stdout, "FAIL:", b)
		}
		return 1
	}
	fmt.Fprintf(stdout, "PASS: within RSS +%.0f %%, goroutines and fds +%d\n", o.rssTol*100, o.countTol)
	return 0
}

// printTable writes the samples as aligned columns.
func printTable(w io.Writer, rows []sample) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sample\tt\tRSS KB\tgoroutines\tfds (/status)\tfds (/proc)\tclients\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%v\t%d\t%d\t%d\t%d\t%d\t\n", r.label, r.at, r.rssKB, r.goroutines, r.fds, r.procFDs, r.clients)
	}
	tw.Flush()
}

// measure reads the server's /status and /proc entries.
func measure(o options) (sample, error) {
	var s sample
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(o.base + "/status")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	var doc struct {
		Clients []json.RawMessage `json:"clients"`
		Process struct {
			Goroutines int `json:"goroutines"`
			OpenFDs    int `json:"open_fds"`
		} `json:"process"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return s, fmt.Errorf("/status: %w", err)
	}
	s.goroutines, s.fds, s.clients = doc.Process.Goroutines, doc.Process.OpenFDs, len(doc.Clients)
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", o.pid))
	if err != nil {
		return s, err
	}
	for line := range bytes.Lines(st) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := bytes.Fields(v)
			if len(f) > 0 {
				s.rssKB, _ = strconv.ParseInt(string(f[0]), 10, 64)
			}
		}
	}
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", o.pid))
	if err != nil {
		return s, err
	}
	s.procFDs = len(ents)
	return s, nil
}
