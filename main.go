// Command lancam turns a Raspberry Pi's camera into a LAN camera: an MJPEG
// HTTP server that browsers, ffmpeg, VLC and other lancams play.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"lancam/httpstream"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code, so tests can
// drive flag handling without spawning lancam.
func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "lancam: %v (see lancam -h)\n", err)
		return 2
	}
	if opts.showVersion {
		fmt.Fprintln(stdout, "lancam", appVersion())
		return 0
	}
	if opts.listCameras {
		if err := printCameras(stdout); err != nil {
			fmt.Fprintf(stderr, "lancam: listing cameras: %v\n", err)
			return 1
		}
		return 0
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if opts.headless {
		return runHeadless(ctx, opts, stdout, stderr, log)
	}
	return runWindow(ctx, opts, stdout, stderr, log)
}

// runHeadless serves until SIGINT/SIGTERM: lancam -headless, and the
// window-less build.
func runHeadless(ctx context.Context, opts options, stdout, stderr io.Writer, log *slog.Logger) int {
	src, err := openSource(ctx, opts, log)
	if err != nil {
		fmt.Fprintf(stderr, "lancam: -source %q: %v\n", opts.source, err)
		return 2
	}
	st := newStation(ctx, opts, src, log)
	defer st.Close()
	if err := st.srv.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "lancam: %v\n", err)
		return 1
	}
	st.lan.Announce(ctx, st.srv.Addr())
	info := src.Info()
	log.Info("lancam streaming", "source", info.Kind, "device", info.Device,
		"size", fmt.Sprintf("%dx%d", info.Width, info.Height), "fps", info.FPS, "listen", st.srv.Addr())
	for _, u := range httpstream.PageURLs(st.srv.Addr()) {
		fmt.Fprintf(stdout, "lancam: open %s  (stream: %sstream.mjpg)\n", u, u)
	}
	<-ctx.Done()
	log.Info("stopping")
	st.lan.Withdraw() // the goodbye goes out while the server still answers
	if err := st.srv.Stop(); err != nil {
		log.Warn("stop", "err", err)
	}
	return 0
}

// identity gives this installation's id and display name. An unreadable id
// file costs only recognisability across restarts, so it is a warning.
func identity(opts options, log *slog.Logger) (id, name string) {
	dir, err := os.UserConfigDir()
	if err == nil {
		id, err = loadInstallID(dir)
	}
	if err != nil {
		id = randomID()
		log.Warn("discovery: no stable id, using one for this run only", "err", err)
	}
	return id, displayName(opts)
}

// displayName is -name, else the hostname.
func displayName(opts options) string {
	if name := strings.TrimSpace(opts.name); name != "" {
		return name
	}
	h, _ := os.Hostname()
	return h
}
