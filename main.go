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
	"sync"
	"syscall"

	"lancam/camera"
	"lancam/httpstream"
)

// version is reported by -version, /status and mDNS.
const version = "0.1.0"

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
		fmt.Fprintln(stdout, "lancam", version)
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

	src, err := openSource(ctx, opts, log)
	if err != nil {
		fmt.Fprintf(stderr, "lancam: -source %q: %v\n", opts.source, err)
		return 2
	}
	if !opts.headless {
		log.Info("the desktop window is not part of this build yet; running headless")
	}

	cams := newCameraList(log)
	var wg sync.WaitGroup
	defer wg.Wait()
	camCtx, stopCams := context.WithCancel(ctx)
	defer stopCams()
	wg.Add(1)
	go func() { defer wg.Done(); cams.Run(camCtx) }()

	id, name := identity(opts, log)
	mdns := newLAN(lanConfig{ID: id, Name: name, Version: version, Disabled: opts.noMDNS, Source: src, Logger: log})
	defer mdns.Close()
	if err := mdns.Start(ctx); err != nil {
		log.Warn("discovery: browsing failed", "err", err)
	}

	hub := camera.NewHub(camera.HubConfig{Source: src, Logger: log})
	defer hub.Close()
	srv := httpstream.New(httpstream.Config{
		Addr: opts.listen, Hub: hub, MaxClients: opts.maxClients, Version: version, Logger: log,
		Cameras: cams.Cameras,
		Peers:   func() any { return newPeersDoc(id, name, !opts.noMDNS, mdns.Peers()) },
	})
	if err := srv.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "lancam: %v\n", err)
		return 1
	}
	mdns.Announce(ctx, srv.Addr())
	info := src.Info()
	log.Info("lancam streaming", "source", info.Kind, "device", info.Device,
		"size", fmt.Sprintf("%dx%d", info.Width, info.Height), "fps", info.FPS, "listen", srv.Addr())
	for _, u := range pageURLs(srv.Addr()) {
		fmt.Fprintf(stdout, "lancam: open %s  (stream: %sstream.mjpg)\n", u, u)
	}
	<-ctx.Done()
	log.Info("stopping")
	mdns.Withdraw() // the goodbye goes out while the server still answers
	if err := srv.Stop(); err != nil {
		log.Warn("stop", "err", err)
	}
	return 0
}

// identity gives this installation's id and display name. An unreadable id
// file costs only recognisability across restarts, so it is a warning.
func identity(opts options, log *slog.Logger) (id, name string) {
	name = strings.TrimSpace(opts.name)
	if name == "" {
		name, _ = os.Hostname()
	}
	dir, err := os.UserConfigDir()
	if err == nil {
		id, err = loadInstallID(dir)
	}
	if err != nil {
		id = randomID()
		log.Warn("discovery: no stable id, using one for this run only", "err", err)
	}
	return id, name
}
