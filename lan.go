package main

import (
	"context"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"

	"lancam/camera"
	"lancam/discovery"
	"lancam/httpstream"
)

// lanCamera is one camera as the LAN sees it: its own _lancam._tcp
// instance, id and TXT record.
type lanCamera struct {
	Name       string // the camera's path name (/cam/NAME/), TXT cam when there are several
	Paths      httpstream.FeedPaths
	SourceInfo func() camera.SourceInfo // the camera now streaming, for TXT size and fps
}

// lanConfig configures lan.
type lanConfig struct {
	Identity *installIdentity
	Name     string // the display name (-name or the hostname)
	Version  string
	Disabled bool // -no-mdns
	Auth     bool // a password is asked for: TXT auth=basic
	Cameras  []lanCamera
	// Port is the port -listen asks for, which the ids depend on before
	// the server runs (0: not known yet).
	Port   int
	Logger *slog.Logger
}

// lan is lancam's presence on the LAN: the browser runs for the whole
// process (the GUI lists peers whether or not we stream), each camera's
// announcer only while the HTTP server is on and the camera is not
// switched off.
type lan struct {
	cfg     lanConfig
	log     *slog.Logger
	ident   *installIdentity
	browser *discovery.Browser

	mu         sync.Mutex
	name       string // display name; the GUI's settings may change it
	auth       bool   // TXT auth=basic; the GUI's password setting may change it
	port       int    // the port announced, or last announced, or asked for
	announcing bool
	place      announcePlace                   // where the cameras are announced, while announcing
	off        map[string]bool                 // cameras switched off in the window
	retired    []string                        // ids we announced before taking new ones
	announcers map[string]*discovery.Announcer // by camera name
}

// announcePlace is what Announce worked out from the listen address.
type announcePlace struct {
	ctx    context.Context
	ifaces []net.Interface
	proxy  *discovery.ProxyAddr
}

// newLAN prepares discovery; nothing goes on the network before Start.
func newLAN(cfg lanConfig) *lan {
	l := &lan{cfg: cfg, log: cfg.Logger, ident: cfg.Identity, name: cfg.Name, auth: cfg.Auth, port: cfg.Port,
		off: map[string]bool{}, announcers: map[string]*discovery.Announcer{}}
	if !cfg.Disabled {
		l.browser = discovery.NewBrowser(discovery.BrowserConfig{IsSelf: l.isSelf, Seen: l.seen, Logger: cfg.Logger})
	}
	return l
}

// Start begins browsing for other lancams.
func (l *lan) Start(ctx context.Context) error {
	if l.browser == nil {
		return nil
	}
	return l.browser.Start(ctx)
}

// Announce registers every camera that is on for the server listening on
// addr; a failure is logged and leaves the streams working without
// discovery.
func (l *lan) Announce(ctx context.Context, addr string) {
	if l.cfg.Disabled {
		return
	}
	host, p, err := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(p)
	if err != nil || port == 0 {
		l.log.Warn("discovery: not announcing: no port", "addr", addr)
		return
	}
	ip := net.ParseIP(host)
	if ip == nil {
		ip = net.IPv6unspecified
	}
	if ip.IsLoopback() {
		l.log.Info("discovery: listening on loopback only, not announcing on the LAN")
		return
	}
	place := announcePlace{ctx: ctx}
	if !ip.IsUnspecified() {
		// Bound to one address: announce only that address, on its interface,
		// so nobody is sent to an address we do not answer on.
		ifc, err := interfaceWith(ip)
		if err != nil {
			l.log.Warn("discovery: not announcing", "err", err)
			return
		}
		hostname, _ := os.Hostname()
		place.ifaces = []net.Interface{*ifc}
		place.proxy = &discovery.ProxyAddr{Host: hostname, IPs: []string{ip.String()}}
	}
	l.mu.Lock()
	l.port, l.announcing, l.place = port, true, place
	l.mu.Unlock()
	for i := range l.cfg.Cameras {
		l.startCamera(i)
	}
}

// startCamera announces camera i unless it is off or already announced.
func (l *lan) startCamera(i int) {
	cam := l.cfg.Cameras[i]
	l.mu.Lock()
	if !l.announcing || l.off[cam.Name] || l.announcers[cam.Name] != nil {
		l.mu.Unlock()
		return
	}
	place, port := l.place, l.port
	l.mu.Unlock()
	a := discovery.NewAnnouncer(discovery.AnnouncerConfig{Info: l.info(i, port), Logger: l.log,
		Ifaces: place.ifaces, Proxy: place.proxy, Refresh: func() discovery.Info { return l.info(i, port) }})
	if err := a.Start(place.ctx); err != nil {
		l.log.Warn("discovery: announcing failed; the stream works, but other devices must be given its address",
			"camera", cam.Name, "err", err)
		return
	}
	l.mu.Lock()
	if l.announcing && !l.off[cam.Name] && l.announcers[cam.Name] == nil {
		l.announcers[cam.Name], a = a, nil
	}
	l.mu.Unlock()
	if a != nil { // withdrawn or switched off meanwhile
		a.Close()
	}
}

// SetCameraOn announces or withdraws one camera (the window's per-camera
// switch); the setting outlives Withdraw/Announce.
func (l *lan) SetCameraOn(name string, on bool) {
	l.mu.Lock()
	l.off[name] = !on
	a := l.announcers[name]
	if !on {
		delete(l.announcers, name)
	}
	l.mu.Unlock()
	if !on && a != nil {
		a.Close()
	}
	if on {
		for i, c := range l.cfg.Cameras {
			if c.Name == name {
				l.startCamera(i)
			}
		}
	}
}

// SetName changes the display name, re-announcing when announced.
func (l *lan) SetName(name string) {
	l.mu.Lock()
	l.name = name
	l.mu.Unlock()
	l.refresh("the new name")
}

// SetAuth says whether the server asks for a password, re-announcing when
// announced, so that other lancams ask their user for it before playing.
func (l *lan) SetAuth(on bool) {
	l.mu.Lock()
	changed := l.auth != on
	l.auth = on
	l.mu.Unlock()
	if changed {
		l.refresh("the new password setting")
	}
}

// refresh pushes every announced camera's current Info.
func (l *lan) refresh(why string) {
	l.mu.Lock()
	port := l.port
	var todo []func() error
	for i, c := range l.cfg.Cameras {
		if a := l.announcers[c.Name]; a != nil {
			todo = append(todo, func() error { return a.Update(l.info(i, port)) })
		}
	}
	l.mu.Unlock()
	for _, update := range todo {
		if err := update(); err != nil {
			l.log.Warn("discovery: re-announcing with "+why+" failed", "err", err)
		}
	}
}

// Name is the current display name.
func (l *lan) Name() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.name
}

// Events are the browser's peer changes (nil with -no-mdns): hints to
// re-read Peers.
func (l *lan) Events() <-chan discovery.Event {
	if l.browser == nil {
		return nil
	}
	return l.browser.Events()
}

// LANStatus says whether a network interface other than loopback is up,
// so that other lancams can find this one: the browser's last check (every
// 3 s), or with -no-mdns a check now.
func (l *lan) LANStatus() discovery.LANStatus {
	if l.browser == nil {
		return discovery.CheckLAN(nil)
	}
	return l.browser.LAN()
}

// statusLAN is LANStatus for /status.
func (l *lan) statusLAN() httpstream.LANStatus {
	st := l.LANStatus()
	return httpstream.LANStatus{InterfacesUp: st.Up, Interfaces: st.Interfaces, Message: st.Message()}
}

// Withdraw sends every camera's goodbye; the server is about to stop.
func (l *lan) Withdraw() {
	l.mu.Lock()
	list := l.announcers
	l.announcers, l.announcing, l.place = map[string]*discovery.Announcer{}, false, announcePlace{}
	l.mu.Unlock()
	for _, a := range list {
		a.Close()
	}
}

// Close withdraws and stops browsing, waiting for every goroutine.
func (l *lan) Close() {
	l.Withdraw()
	if l.browser != nil {
		l.browser.Close()
	}
}

// Peers returns the other lancams' cameras now visible, sorted by name.
func (l *lan) Peers() []discovery.Peer {
	if l.browser == nil {
		return nil
	}
	return l.browser.Peers()
}

// CameraID is camera i's id on the LAN, for the port announced (or asked for).
func (l *lan) CameraID(i int) string {
	l.mu.Lock()
	port := l.port
	l.mu.Unlock()
	return l.ident.CameraID(port, i, l.cfg.Cameras[i].Name)
}

// Title is camera i's display name: the name alone for a single camera,
// else the name and the camera's, so that a list of every camera on the
// LAN tells them apart.
func (l *lan) Title(i int) string {
	l.mu.Lock()
	name := l.name
	l.mu.Unlock()
	return cameraTitle(name, l.cfg.Cameras[i].Name, len(l.cfg.Cameras))
}

func cameraTitle(name, cam string, n int) string {
	if n <= 1 {
		return name
	}
	return name + " " + cam
}

// info describes camera i for its TXT record: the size and rate the
// device agreed to, once known, else what was asked for.
func (l *lan) info(i, port int) discovery.Info {
	cam := l.cfg.Cameras[i]
	si := cam.SourceInfo()
	fps := si.FPS
	if si.DeviceFPS > 0 {
		fps = si.DeviceFPS
	}
	l.mu.Lock()
	name, auth := l.name, "none"
	if l.auth {
		auth = "basic"
	}
	l.mu.Unlock()
	in := discovery.Info{ID: l.ident.CameraID(port, i, cam.Name), Name: cameraTitle(name, cam.Name, len(l.cfg.Cameras)),
		Version: l.cfg.Version, Port: port, Width: si.Width, Height: si.Height, FPS: fps, Auth: auth,
		Path: cam.Paths.Stream, Snapshot: cam.Paths.Snapshot, WebRTC: cam.Paths.WHEP}
	if len(l.cfg.Cameras) > 1 {
		in.Camera = cam.Name
	}
	return in
}
