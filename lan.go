package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"

	"lancam/camera"
	"lancam/discovery"
)

// lanConfig configures lan.
type lanConfig struct {
	ID, Name, Version string
	Disabled          bool                     // -no-mdns
	Auth              bool                     // a password is asked for: TXT auth=basic
	SourceInfo        func() camera.SourceInfo // the camera now streaming, for TXT size and fps
	Logger            *slog.Logger
}

// lan is lancam's presence on the LAN: the browser runs for the whole
// process (the GUI lists peers whether or not we stream), the announcer only
// while the HTTP server is on.
type lan struct {
	cfg     lanConfig
	log     *slog.Logger
	browser *discovery.Browser

	mu        sync.Mutex
	name      string // display name; the GUI's settings may change it
	auth      bool   // TXT auth=basic; the GUI's password setting may change it
	port      int    // announced port, 0 while not announcing
	announcer *discovery.Announcer
}

// newLAN prepares discovery; nothing goes on the network before Start.
func newLAN(cfg lanConfig) *lan {
	l := &lan{cfg: cfg, log: cfg.Logger, name: cfg.Name, auth: cfg.Auth}
	if !cfg.Disabled {
		l.browser = discovery.NewBrowser(discovery.BrowserConfig{SelfID: cfg.ID, Logger: cfg.Logger})
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

// Announce registers this instance for the server listening on addr; a
// failure is logged and leaves the stream working without discovery.
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
	tcp := &net.TCPAddr{IP: ip, Port: port}
	if tcp.IP.IsLoopback() {
		l.log.Info("discovery: listening on loopback only, not announcing on the LAN")
		return
	}
	cfg := discovery.AnnouncerConfig{Info: l.info(tcp.Port), Logger: l.log, Refresh: func() discovery.Info { return l.info(tcp.Port) }}
	if !tcp.IP.IsUnspecified() {
		// Bound to one address: announce only that address, on its interface,
		// so nobody is sent to an address we do not answer on.
		ifc, err := interfaceWith(tcp.IP)
		if err != nil {
			l.log.Warn("discovery: not announcing", "err", err)
			return
		}
		hostname, _ := os.Hostname()
		cfg.Ifaces = []net.Interface{*ifc}
		cfg.Proxy = &discovery.ProxyAddr{Host: hostname, IPs: []string{tcp.IP.String()}}
	}
	a := discovery.NewAnnouncer(cfg)
	if err := a.Start(ctx); err != nil {
		l.log.Warn("discovery: announcing failed; the stream works, but other devices must be given its address", "err", err)
		return
	}
	l.mu.Lock()
	l.announcer, l.port = a, tcp.Port
	l.mu.Unlock()
}

// SetName changes the display name, re-announcing when announced.
func (l *lan) SetName(name string) {
	l.mu.Lock()
	l.name = name
	a, port := l.announcer, l.port
	l.mu.Unlock()
	if a != nil {
		if err := a.Update(l.info(port)); err != nil {
			l.log.Warn("discovery: re-announcing with the new name failed", "err", err)
		}
	}
}

// SetAuth says whether the server asks for a password, re-announcing when
// announced, so that other lancams ask their user for it before playing.
func (l *lan) SetAuth(on bool) {
	l.mu.Lock()
	changed := l.auth != on
	l.auth = on
	a, port := l.announcer, l.port
	l.mu.Unlock()
	if a != nil && changed {
		if err := a.Update(l.info(port)); err != nil {
			l.log.Warn("discovery: re-announcing with the new password setting failed", "err", err)
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

// Withdraw sends the goodbye; the server is about to stop.
func (l *lan) Withdraw() {
	l.mu.Lock()
	a := l.announcer
	l.announcer, l.port = nil, 0
	l.mu.Unlock()
	if a != nil {
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

// Peers returns the other lancams now visible, sorted by name.
func (l *lan) Peers() []discovery.Peer {
	if l.browser == nil {
		return nil
	}
	return l.browser.Peers()
}

// info describes the running camera for the TXT record: the size and rate
// the device agreed to, once known, else what was asked for.
func (l *lan) info(port int) discovery.Info {
	si := l.cfg.SourceInfo()
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
	return discovery.Info{ID: l.cfg.ID, Name: name, Version: l.cfg.Version, Port: port,
		Width: si.Width, Height: si.Height, FPS: fps, Auth: auth}
}

// interfaceWith finds the interface that carries ip.
func interfaceWith(ip net.IP) (*net.Interface, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	for i := range ifaces {
		addrs, _ := ifaces[i].Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
				return &ifaces[i], nil
			}
		}
	}
	return nil, &net.AddrError{Err: "no interface has this address", Addr: ip.String()}
}

// randomID is the fallback when the id file cannot be read or written: this
// run is still discoverable, just not recognisable after a restart.
func randomID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
