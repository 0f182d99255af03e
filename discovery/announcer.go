package discovery

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/grandcat/zeroconf"
)

// ProxyAddr pins the advertised host name and addresses; tests use it because
// zeroconf.Register cannot find host addresses on loopback.
type ProxyAddr struct {
	Host string
	IPs  []string
}

// AnnouncerConfig configures an Announcer.
type AnnouncerConfig struct {
	Info Info
	// Ifaces limits announcing; nil means every up, multicast-capable interface.
	Ifaces []net.Interface
	Logger *slog.Logger
	// Proxy, when set, uses RegisterProxy with a fixed host and IPs.
	Proxy *ProxyAddr
	// CheckInterval is how often interface addresses are compared (default 10 s),
	// because zeroconf fixes interfaces at registration time.
	CheckInterval time.Duration
	// Interfaces lists the interfaces for the LAN check: while none but
	// loopback is up, nothing is registered (zeroconf could not anyway)
	// and the announcer looks again every LANRetryInterval, quietly,
	// registering once one is up. Nil means SystemInterfaces when neither
	// Ifaces nor Proxy is set, and no check otherwise.
	Interfaces InterfaceLister
	// Refresh, when set, is asked for the current Info on every check, so
	// that the TXT follows what the camera really negotiated (known only
	// once it runs) without the caller polling.
	Refresh func() Info
}

// Announcer keeps this instance registered under _http._tcp and _lancam._tcp
// for as long as the HTTP server runs, re-registering when the port, name or
// network interfaces change.
type Announcer struct {
	cfg      AnnouncerConfig
	log      *slog.Logger
	mu       sync.Mutex
	info     Info
	servers  []*zeroconf.Server
	ifaceSig string
	lan      *lanWatch // quiet: the browser says it
	cancel   context.CancelFunc
	done     chan struct{}
}

// NewAnnouncer prepares an announcer; nothing is sent before Start.
func NewAnnouncer(cfg AnnouncerConfig) *Announcer {
	if cfg.CheckInterval <= 0 {
		cfg.CheckInterval = 10 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	list := cfg.Interfaces
	if list == nil && cfg.Ifaces == nil && cfg.Proxy == nil {
		list = SystemInterfaces
	}
	return &Announcer{cfg: cfg, log: log, info: cfg.Info, lan: &lanWatch{list: list}}
}

// Start registers both services and starts the interface watcher; it fails
// when registration fails so the caller can log that discovery is off.
// Without a LAN interface (see AnnouncerConfig.Interfaces) it succeeds
// without registering: the watcher registers once one comes up.
func (a *Announcer) Start(ctx context.Context) error {
	lan, _ := a.lan.check()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done != nil {
		return errors.New("discovery: announcer already started")
	}
	if lan.Up {
		if err := a.registerLocked(); err != nil {
			return err
		}
	} else {
		a.log.Debug("discovery: no LAN interface up; announcing once one is")
	}
	ctx, a.cancel = context.WithCancel(ctx)
	a.done = make(chan struct{})
	go a.watch(ctx, a.done)
	return nil
}

// Update pushes new settings; a changed port or name re-registers (the
// instance name and SRV change), other changes only refresh TXT.
func (a *Announcer) Update(in Info) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	old := a.info
	a.info = in
	if a.servers == nil {
		return nil
	}
	if old.Port != in.Port || old.Name != in.Name || old.ID != in.ID || old.Path != in.Path {
		a.shutdownLocked()
		return a.registerLocked()
	}
	if len(a.servers) == 2 && !slices.Equal(lancamTXT(old), lancamTXT(in)) {
		a.servers[1].SetText(lancamTXT(in))
	}
	return nil
}

// CheckInterfaces re-registers when the set of interface addresses changed;
// the watcher calls it periodically, callers may call it on a netlink hint.
// When no LAN interface is up any more it withdraws, and registers again
// when one is.
func (a *Announcer) CheckInterfaces() error {
	lan, _ := a.lan.check()
	sig := a.ifaceSignature()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done == nil { // not started, or closed
		return nil
	}
	if !lan.Up {
		if a.servers != nil {
			a.log.Info("discovery: no LAN interface up; announcing again once one is")
			a.shutdownLocked()
		}
		return nil
	}
	if a.servers == nil {
		return a.registerLocked()
	}
	if sig == a.ifaceSig {
		return nil
	}
	a.log.Info("discovery: network interfaces changed, re-registering")
	a.shutdownLocked()
	return a.registerLocked()
}

// Close sends the goodbye packets and stops the watcher; safe to call twice,
// and Start may follow.
func (a *Announcer) Close() {
	a.mu.Lock()
	cancel, done := a.cancel, a.done
	a.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	a.mu.Lock()
	a.shutdownLocked()
	a.cancel, a.done = nil, nil // Start may announce again (the GUI toggle)
	a.mu.Unlock()
}

func (a *Announcer) watch(ctx context.Context, done chan struct{}) {
	defer close(done)
	t := time.NewTimer(a.nextCheck())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if a.cfg.Refresh != nil {
				if err := a.Update(a.cfg.Refresh()); err != nil {
					a.log.Warn("discovery: re-register failed", "err", err)
				}
			}
			if err := a.CheckInterfaces(); err != nil {
				a.log.Warn("discovery: re-register failed", "err", err)
			}
			t.Reset(a.nextCheck())
		}
	}
}

// nextCheck is CheckInterval, or at most LANRetryInterval while waiting
// for a LAN interface.
func (a *Announcer) nextCheck() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.servers == nil && !a.lan.status().Up {
		return min(a.cfg.CheckInterval, LANRetryInterval)
	}
	return a.cfg.CheckInterval
}

func (a *Announcer) registerLocked() error {
	in := a.info
	if in.ID == "" {
		return errors.New("discovery: Info.ID is required")
	}
	if in.Port <= 0 || in.Port > 65535 {
		return errors.New("discovery: Info.Port out of range")
	}
	a.ifaceSig = a.ifaceSignature()
	inst := InstanceName(in.Name, in.ID)
	reg := func(service string, txt []string) (*zeroconf.Server, error) {
		if p := a.cfg.Proxy; p != nil {
			return zeroconf.RegisterProxy(inst, service, Domain, in.Port, p.Host, p.IPs, txt, a.cfg.Ifaces)
		}
		return zeroconf.Register(inst, service, Domain, in.Port, txt, a.cfg.Ifaces)
	}
	h, err := reg(HTTPService, httpTXT(in))
	if err != nil {
		return err
	}
	l, err := reg(ServiceType, lancamTXT(in))
	if err != nil {
		h.Shutdown()
		return err
	}
	a.servers = []*zeroconf.Server{h, l}
	a.log.Info("discovery: announced", "instance", inst, "port", in.Port)
	return nil
}

func (a *Announcer) shutdownLocked() {
	for _, s := range a.servers {
		s.Shutdown()
	}
	a.servers = nil
}

// ifaceSignature summarises the addresses of the interfaces we announce on.
func (a *Announcer) ifaceSignature() string {
	ifaces := a.cfg.Ifaces
	if ifaces == nil {
		all, err := net.Interfaces()
		if err != nil {
			return ""
		}
		for _, ifc := range all {
			if ifc.Flags&net.FlagUp != 0 && ifc.Flags&net.FlagMulticast != 0 {
				ifaces = append(ifaces, ifc)
			}
		}
	}
	var parts []string
	for _, ifc := range ifaces {
		cur, err := net.InterfaceByName(ifc.Name)
		if err != nil {
			parts = append(parts, ifc.Name+":gone")
			continue
		}
		addrs, _ := cur.Addrs()
		for _, ad := range addrs {
			parts = append(parts, ifc.Name+"="+ad.String())
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
