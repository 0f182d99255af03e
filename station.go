package main

import (
	"context"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"

	"lancam/camera"
	"lancam/camera/h264"
	"lancam/httpstream"
)

// station is everything but the window: the camera list, discovery, one
// hub per served camera and the HTTP server (not started), shared by
// headless and window mode.
type station struct {
	cams  *cameraList
	lan   *lan
	feeds []stationFeed // the served cameras; the first is the window's
	hub   *camera.Hub   // feeds[0].hub
	srv   *httpstream.Server
	ident *installIdentity

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// stationFeed is one served camera.
type stationFeed struct {
	name string
	hub  *camera.Hub
	h264 *h264.Stream // nil with -h264 off
}

// newStation wires the parts for the opened cameras; Close undoes it.
func newStation(ctx context.Context, opts options, srcs []namedSource, log *slog.Logger) *station {
	ctx, cancel := context.WithCancel(ctx)
	st := &station{cams: newCameraList(log), cancel: cancel}
	st.wg.Add(1)
	go func() { defer st.wg.Done(); st.cams.Run(ctx) }()

	dir, err := os.UserConfigDir()
	if err != nil {
		log.Warn("discovery: no config folder; ids last for this run only", "err", err)
	}
	st.ident = loadIdentity(identityConfig{ConfigDir: dir, Logger: log})
	var lanCams []lanCamera
	var feeds []httpstream.Feed
	webrtc := h264Offered(opts.h264, log)
	for i, s := range srcs {
		clog := log.With("camera", s.name)
		hub := camera.NewHub(camera.HubConfig{Source: s.src, Logger: clog})
		paths := httpstream.PathsOf(s.name, i == 0)
		var hs *h264.Stream
		if webrtc {
			hs = newH264Stream(hub, opts, clog)
		} else {
			paths.WHEP = ""
		}
		st.feeds = append(st.feeds, stationFeed{name: s.name, hub: hub, h264: hs})
		lanCams = append(lanCams, lanCamera{Name: s.name, Paths: paths,
			SourceInfo: func() camera.SourceInfo { return hub.Source().Info() }})
		feeds = append(feeds, httpstream.Feed{Name: s.name, Hub: hub, H264: hs,
			Describe: func() (string, string) { return st.lan.Title(i), st.lan.CameraID(i) }})
	}
	st.hub = st.feeds[0].hub
	var auth *httpstream.BasicAuth
	if opts.password != "" {
		auth = httpstream.NewBasicAuth(opts.user, opts.password)
	}
	st.lan = newLAN(lanConfig{Identity: st.ident, Name: displayName(opts), Version: appVersion(), Disabled: opts.noMDNS,
		Auth: auth != nil, Cameras: lanCams, Port: listenPort(opts.listen), Logger: log})
	if err := st.lan.Start(ctx); err != nil {
		log.Warn("discovery: browsing failed", "err", err)
	}
	st.srv = httpstream.New(httpstream.Config{
		Addr: opts.listen, Feeds: feeds, MaxClients: opts.maxClients, MaxWebRTC: opts.maxWebRTC,
		Version: appVersion(), Logger: log,
		Auth:    auth,
		Cameras: st.cams.Cameras,
		Peers: func() any {
			return newPeersDoc(st.selfDoc(), !opts.noMDNS, st.lan.Peers())
		},
		LAN: st.lan.statusLAN,
	})
	return st
}

// selfDoc describes this lancam for /peers: the first camera's id and the
// display name, and every camera it serves.
func (st *station) selfDoc() selfDoc {
	d := selfDoc{ID: st.lan.CameraID(0), Name: st.lan.Name()}
	for i, f := range st.feeds {
		p := httpstream.PathsOf(f.name, i == 0)
		if f.h264 == nil {
			p.WHEP = ""
		}
		d.Cameras = append(d.Cameras, selfCamera{Name: f.name, Title: st.lan.Title(i), ID: st.lan.CameraID(i),
			Stream: p.Stream, Snapshot: p.Snapshot, WebRTC: p.WHEP, Page: p.Page, On: st.srv.FeedOn(f.name)})
	}
	return d
}

// SetCameraOn switches one camera's URLs and announcement on or off.
func (st *station) SetCameraOn(name string, on bool) {
	st.srv.SetFeedOn(name, on)
	st.lan.SetCameraOn(name, on)
}

// Close stops discovery, the camera list and the hubs, and waits for them.
func (st *station) Close() {
	st.lan.Close()
	st.cancel()
	st.wg.Wait()
	for _, f := range st.feeds {
		if f.h264 != nil {
			f.h264.Close()
		}
		f.hub.Close()
	}
}

// h264Offered says whether WebRTC can be offered with the -h264 encoder:
// without one (no ffmpeg) the cameras are served as MJPEG only, and the
// log says why once.
func h264Offered(kind string, log *slog.Logger) bool {
	if kind == "off" {
		return false
	}
	av := h264.Available()
	if kind == "auto" && len(av) > 0 || slices.Contains(av, kind) {
		return true
	}
	log.Warn("no H.264 encoder: WebRTC is off, the cameras stream MJPEG only (x264 and v4l2m2m need ffmpeg, v4l2m2m also a Raspberry Pi's encoder; openh264 a build with -tags openh264)", "h264", kind, "available", av)
	return false
}

// newH264Stream makes a camera's H.264 stream for WebRTC viewers with the
// -h264 encoder; it encodes only while a WebRTC viewer watches.
func newH264Stream(hub *camera.Hub, opts options, log *slog.Logger) *h264.Stream {
	return h264.NewStream(h264.StreamConfig{
		Hub: hub, Logger: log,
		Encoder: h264.Config{Bitrate: opts.h264Kbps * 1000, FPS: opts.fps},
		NewEncoder: func(c h264.Config) (h264.Encoder, error) {
			return h264.New(opts.h264, c)
		},
	})
}

// listenPort is the port of a -listen address, 0 when it has none.
func listenPort(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}
