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
	srcs, err := openCameras(ctx, opts, log)
	if err != nil {
		fmt.Fprintf(stderr, "lancam: %v\n", err)
		return 2
	}
	st := newStation(ctx, opts, srcs, log)
	defer st.Close()
	if err := st.srv.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "lancam: %v\n", err)
		return 1
	}
	st.lan.Announce(ctx, st.srv.Addr())
	for i, s := range srcs {
		info := s.src.Info()
		log.Info("lancam streaming", "camera", s.name, "source", info.Kind, "device", info.Device,
			"size", fmt.Sprintf("%dx%d", info.Width, info.Height), "fps", info.FPS, "listen", st.srv.Addr(),
			"stream", httpstream.PathsOf(s.name, i == 0).Stream)
	}
	for _, u := range httpstream.PageURLs(st.srv.Addr()) {
		fmt.Fprintf(stdout, "lancam: open %s  (stream: %sstream.mjpg)\n", u, u)
	}
	if urls := httpstream.PageURLs(st.srv.Addr()); len(srcs) > 1 && len(urls) > 0 {
		for _, s := range srcs[1:] {
			u := strings.TrimSuffix(urls[0], "/") + httpstream.PathsOf(s.name, false).Page
			fmt.Fprintf(stdout, "lancam: camera %s: open %s  (stream: %sstream.mjpg)\n", s.name, u, u)
		}
	}
	<-ctx.Done()
	log.Info("stopping")
	st.lan.Withdraw() // the goodbye goes out while the server still answers
	if err := st.srv.Stop(); err != nil {
		log.Warn("stop", "err", err)
	}
	return 0
}

// displayName is -name, else the hostname.
func displayName(opts options) string {
	if name := strings.TrimSpace(opts.name); name != "" {
		return name
	}
	h, _ := os.Hostname()
	return h
}
