package main

import (
	"context"
	"log/slog"
	"sync"

	"lancam/camera"
	"lancam/httpstream"
)

// station is everything but the window: the camera list, discovery, the
// hub and the HTTP server (not started), shared by headless and window mode.
type station struct {
	cams     *cameraList
	lan      *lan
	hub      *camera.Hub
	srv      *httpstream.Server
	id, name string

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// newStation wires the parts for src; Close undoes it.
func newStation(ctx context.Context, opts options, src camera.Source, log *slog.Logger) *station {
	ctx, cancel := context.WithCancel(ctx)
	st := &station{cams: newCameraList(log), cancel: cancel}
	st.wg.Add(1)
	go func() { defer st.wg.Done(); st.cams.Run(ctx) }()

	st.id, st.name = identity(opts, log)
	st.hub = camera.NewHub(camera.HubConfig{Source: src, Logger: log})
	var auth *httpstream.BasicAuth
	if opts.password != "" {
		auth = httpstream.NewBasicAuth(opts.user, opts.password)
	}
	st.lan = newLAN(lanConfig{ID: st.id, Name: st.name, Version: appVersion(), Disabled: opts.noMDNS, Auth: auth != nil,
		SourceInfo: func() camera.SourceInfo { return st.hub.Source().Info() }, Logger: log})
	if err := st.lan.Start(ctx); err != nil {
		log.Warn("discovery: browsing failed", "err", err)
	}
	st.srv = httpstream.New(httpstream.Config{
		Addr: opts.listen, Hub: st.hub, MaxClients: opts.maxClients, Version: appVersion(), Logger: log,
		Auth:    auth,
		Cameras: st.cams.Cameras,
		Peers:   func() any { return newPeersDoc(st.id, st.lan.Name(), !opts.noMDNS, st.lan.Peers()) },
	})
	return st
}

// Close stops discovery, the camera list and the hub, and waits for them.
func (st *station) Close() {
	st.lan.Close()
	st.cancel()
	st.wg.Wait()
	st.hub.Close()
}
