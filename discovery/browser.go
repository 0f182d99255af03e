package discovery

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/grandcat/zeroconf"
)

// Timing defaults. Rounds run back to back (RoundDuration = RoundInterval),
// so some resolver is always listening and a peer that registers is caught
// by its own announcements within a few hundred milliseconds instead of at
// the next round. A live peer answers every round's query (every 3 s), so
// StaleAfter (6 s) tolerates one lost round before a status check, and a
// successful check counts as a sighting, so a live peer never flaps. Worst
// case for a vanished peer: stale after 6 s, noticed by the sweep after the
// next round (≤ 3 s), check times out after 2 s: removed ≤ 11 s after its
// last answer, within the 15 s requirement. One query per 3 s per instance
// is a few hundred bytes: negligible on a home LAN.
const (
	DefaultRoundDuration = 3 * time.Second
	DefaultRoundInterval = 3 * time.Second
	DefaultStaleAfter    = 6 * time.Second
	DefaultCheckTimeout  = 2 * time.Second
	DefaultEventBuffer   = 64
)

// EventKind says what happened to a peer.
type EventKind int

// Event kinds; v1.0.0 never reports removals, so Removed comes from our own
// expiry logic.
const (
	Added EventKind = iota + 1
	Updated
	Removed
	// LANChanged says that LAN() flipped (no LAN interface is up, or one
	// came up again); Peer is empty.
	LANChanged
)

// Event tells a consumer that Peers() changed for one peer, or (LANChanged)
// that LAN() did.
type Event struct {
	Kind EventKind
	Peer Peer
}

// Checker asks a quiet peer whether it is still alive; injectable for tests.
type Checker func(ctx context.Context, p Peer) error

// BrowserConfig configures a Browser; zero values take the defaults above.
type BrowserConfig struct {
	SelfID string // our own id, filtered out (when IsSelf is nil)
	// IsSelf, when set, replaces the SelfID test. A process with several
	// cameras has several ids, and an answer with one of them is ours only
	// if it also comes from our port and addresses: otherwise it is a copy
	// of this installation on another machine, which must be listed.
	IsSelf func(Peer) bool
	// Seen, when set, is called with every answer that is not our own, on
	// the browser's goroutine and outside its lock (lancam uses it to
	// notice another machine announcing one of our ids).
	Seen   func(Peer)
	Ifaces []net.Interface // nil = library default
	// Interfaces lists the interfaces for the LAN check: while none but
	// loopback is up (LAN), rounds are skipped, quietly, and browsing
	// resumes when one comes up. Nil means SystemInterfaces when Ifaces is
	// nil, and no check when Ifaces is set (those interfaces are used as
	// they are).
	Interfaces    InterfaceLister
	Logger        *slog.Logger
	Now           func() time.Time
	Check         Checker // nil = HTTP GET {peer}/status
	RoundDuration time.Duration
	RoundInterval time.Duration
	StaleAfter    time.Duration
	CheckTimeout  time.Duration
	EventBuffer   int
}

type peerState struct {
	p      Peer
	lastOK time.Time // last sighting or successful check
}

// Browser keeps a live list of lancam peers. Events are sent without ever
// blocking the browser: when the consumer is slow and the buffer is full the
// event is dropped (counted in Dropped), so consumers should treat events as
// hints and re-read Peers(), which is always exact.
type Browser struct {
	cfg    BrowserConfig
	log    *slog.Logger
	events chan Event
	lan    *lanWatch

	mu      sync.Mutex
	peers   map[string]*peerState
	dropped int

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// NewBrowser prepares a browser; nothing is sent before Start.
func NewBrowser(cfg BrowserConfig) *Browser {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RoundDuration <= 0 {
		cfg.RoundDuration = DefaultRoundDuration
	}
	if cfg.RoundInterval <= 0 {
		cfg.RoundInterval = DefaultRoundInterval
	}
	cfg.RoundInterval = max(cfg.RoundInterval, cfg.RoundDuration)
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = DefaultStaleAfter
	}
	if cfg.CheckTimeout <= 0 {
		cfg.CheckTimeout = DefaultCheckTimeout
	}
	if cfg.EventBuffer <= 0 {
		cfg.EventBuffer = DefaultEventBuffer
	}
	if cfg.Check == nil {
		cfg.Check = HTTPStatusCheck(&http.Client{})
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	list := cfg.Interfaces
	if list == nil && cfg.Ifaces == nil {
		list = SystemInterfaces
	}
	return &Browser{cfg: cfg, log: log, events: make(chan Event, cfg.EventBuffer), peers: map[string]*peerState{},
		lan: &lanWatch{list: list, log: log}}
}

// Events delivers Added/Updated/Removed and LANChanged; never closed while
// running, closed by Close.
func (b *Browser) Events() <-chan Event { return b.events }

// Dropped counts events lost to a slow consumer.
func (b *Browser) Dropped() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// LAN says whether the last check found a network interface other than
// loopback up (checked before every round, every 3 s by default). Without
// one the browser waits, logging that once, and LAN().Message says so in
// plain words.
func (b *Browser) LAN() LANStatus { return b.lan.status() }

// Start begins repeated browse rounds until ctx ends or Close is called.
// The LAN is checked before it returns, so LAN is current at once.
func (b *Browser) Start(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cancel != nil {
		return errors.New("discovery: browser already started")
	}
	b.lan.check()
	ctx, b.cancel = context.WithCancel(ctx)
	b.wg.Add(1)
	go b.loop(ctx)
	return nil
}

// Close stops browsing, waits for every goroutine and closes Events; safe to
// call twice or without Start.
func (b *Browser) Close() {
	b.mu.Lock()
	cancel := b.cancel
	b.cancel = func() {} // a later Start fails
	b.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	b.wg.Wait()
	b.closeOnce.Do(func() { close(b.events) })
}

// Peers is a snapshot sorted by name, id and key, so UIs list cameras stably.
func (b *Browser) Peers() []Peer {
	b.mu.Lock()
	out := make([]Peer, 0, len(b.peers))
	for _, s := range b.peers {
		out = append(out, s.p.clone())
	}
	b.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// supersedeLocked drops the services that p replaces: the same camera
// (TXT cam) on the same address and port under another id, as when a copy
// of an installation took a new id. Its old entry would otherwise linger
// until the status check finds the id gone.
func (b *Browser) supersedeLocked(p Peer) {
	for key, q := range b.peers {
		if q.p.ID != p.ID && q.p.Port == p.Port && q.p.TXT["cam"] == p.TXT["cam"] && sharesAddr(q.p, p) {
			b.log.Info("discovery: peer took a new id", "name", p.Name, "old", q.p.ID, "new", p.ID)
			delete(b.peers, key)
			b.emitLocked(Event{Removed, q.p})
		}
	}
}

// isSelf says whether an answer is one of our own services.
func (b *Browser) isSelf(p Peer) bool {
	if b.cfg.IsSelf != nil {
		return b.cfg.IsSelf(p)
	}
	return p.ID == b.cfg.SelfID
}

func (b *Browser) loop(ctx context.Context) {
	defer b.wg.Done()
	for {
		start := time.Now()
		lan, changed := b.lan.check()
		if changed {
			b.mu.Lock()
			b.emitLocked(Event{Kind: LANChanged})
			b.mu.Unlock()
		}
		if lan.Up {
			b.round(ctx)
		}
		b.sweep(ctx)
		wait := b.cfg.RoundInterval - time.Since(start)
		select {
		case <-ctx.Done():
			return
		case <-time.After(max(wait, 0)):
		}
	}
}

// round runs one browse with a fresh Resolver (v1.0.0 resolvers cannot be
// reused) and drains its channel until the library closes it.
func (b *Browser) round(ctx context.Context) {
	var opts []zeroconf.ClientOption
	if b.cfg.Ifaces != nil {
		opts = append(opts, zeroconf.SelectIfaces(b.cfg.Ifaces))
	}
	r, err := zeroconf.NewResolver(opts...)
	if err != nil {
		b.log.Warn("discovery: resolver", "err", err)
		return
	}
	entries := make(chan *zeroconf.ServiceEntry, 16)
	rctx, cancel := context.WithTimeout(ctx, b.cfg.RoundDuration)
	defer cancel()
	if err := r.Browse(rctx, ServiceType, Domain, entries); err != nil {
		b.log.Warn("discovery: browse", "err", err)
	}
	for e := range entries { // closed by the library when rctx ends
		b.observe(e)
	}
}

// observe records one answer.
func (b *Browser) observe(e *zeroconf.ServiceEntry) {
	now := b.cfg.Now()
	p, ok := peerFromEntry(e, now)
	if !ok || b.isSelf(p) {
		return
	}
	if b.cfg.Seen != nil {
		b.cfg.Seen(p.clone())
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var s *peerState
	for _, q := range b.peers {
		if sameService(q.p, p) {
			s = q
			break
		}
	}
	if s == nil {
		b.supersedeLocked(p)
		p.Key = serviceKey(p)
		b.log.Info("discovery: peer found", "name", p.Name, "id", p.ID, "url", p.URL())
		b.peers[p.Key] = &peerState{p: p, lastOK: now}
		b.emitLocked(Event{Added, p})
		return
	}
	p.Key = s.p.Key
	p.Addrs = mergeAddrs(s.p.Addrs, p.Addrs, nil)
	changed := !samePeer(s.p, p)
	s.p, s.lastOK = p, now
	if changed {
		b.emitLocked(Event{Updated, p})
	}
}

// sweep checks peers not seen for StaleAfter and removes those whose check fails.
func (b *Browser) sweep(ctx context.Context) {
	now := b.cfg.Now()
	var stale []Peer
	b.mu.Lock()
	for _, s := range b.peers {
		if now.Sub(s.lastOK) >= b.cfg.StaleAfter {
			stale = append(stale, s.p)
		}
	}
	b.mu.Unlock()
	if len(stale) == 0 {
		return
	}
	errs := make([]error, len(stale))
	var wg sync.WaitGroup
	for i, p := range stale {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, b.cfg.CheckTimeout)
			defer cancel()
			errs[i] = b.cfg.Check(cctx, p)
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	now = b.cfg.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, p := range stale {
		s, ok := b.peers[p.Key]
		if !ok || s.p.LastSeen.After(p.LastSeen) {
			continue // re-seen meanwhile
		}
		if errs[i] == nil {
			s.lastOK = now
			continue
		}
		b.log.Info("discovery: peer gone", "id", p.ID, "err", errs[i])
		delete(b.peers, p.Key)
		b.emitLocked(Event{Removed, s.p})
	}
}

func (b *Browser) emitLocked(ev Event) {
	select {
	case b.events <- Event{ev.Kind, ev.Peer.clone()}:
	default:
		b.dropped++
	}
}
