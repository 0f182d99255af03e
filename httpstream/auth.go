package httpstream

import (
	"container/list"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// BasicAuth is the one user name and password every request must carry
// (HTTP Basic). It travels in clear text on plain HTTP: it keeps strangers
// on the LAN out, it is no protection against someone who can sniff it.
type BasicAuth struct {
	User, Password string
}

// NewBasicAuth returns the credentials for Config.Auth or Server.SetAuth.
func NewBasicAuth(user, password string) *BasicAuth {
	return &BasicAuth{User: user, Password: password}
}

// AuthRealm is the realm of the WWW-Authenticate challenge.
const AuthRealm = "lancam"

// The back-off against password guessing: maxAuthFailures wrong answers
// within authFailWindow block the address for authFirstBlock, doubling with
// every further block up to authMaxBlock; a right answer forgets it all.
// At most maxAuthClients addresses are remembered, the least recently seen
// going first, so that a flood of addresses cannot grow memory.
const (
	maxAuthFailures  = 5
	authFailWindow   = time.Minute
	authFirstBlock   = time.Minute
	authMaxBlock     = 5 * time.Minute
	maxAuthClients   = 4096
	authLogInterval  = 10 * time.Second // at most one failure line per interval
	authChallenge    = `Basic realm="` + AuthRealm + `", charset="UTF-8"`
	authRequiredBody = "401 unauthorized: this camera needs its user name and password"
)

// authDigest holds the credentials as fixed-length digests, so comparing
// them takes the same time whatever their lengths.
type authDigest struct {
	user, pass [sha256.Size]byte
}

// authClient is what the gate remembers about one address.
type authClient struct {
	key      string
	failures int       // within the window that began at first
	first    time.Time // first failure of the current window
	until    time.Time // blocked until then
	block    time.Duration
	elem     *list.Element
}

// authGate checks Basic credentials and throttles addresses that guess.
// It is safe for concurrent use; with no credentials set it lets all pass.
type authGate struct {
	creds atomic.Pointer[authDigest]
	log   *slog.Logger
	now   func() time.Time // injectable for tests

	mu         sync.Mutex
	clients    map[string]*authClient
	lru        *list.List // of *authClient, most recently seen at the front
	limit      int
	lastLog    time.Time
	suppressed int // failure lines not logged since lastLog
}

func newAuthGate(a *BasicAuth, log *slog.Logger) *authGate {
	g := &authGate{log: log, now: time.Now, clients: map[string]*authClient{}, lru: list.New(), limit: maxAuthClients}
	g.set(a)
	return g
}

// set replaces the credentials; nil opens the server.
// set installs a (nil: none) and reports whether the credentials changed.
func (g *authGate) set(a *BasicAuth) bool {
	var d *authDigest
	if a != nil {
		d = &authDigest{user: sha256.Sum256([]byte(a.User)), pass: sha256.Sum256([]byte(a.Password))}
	}
	old := g.creds.Swap(d)
	if old == nil || d == nil {
		return old != d
	}
	return *old != *d
}

// SetAuth changes the credentials of a running Server (the GUI's password
// setting); nil removes the password. When a password is set or changed,
// open streams are closed: whoever watched without it, or with the old one,
// must not keep watching; viewers that know the new one reconnect.
func (s *Server) SetAuth(a *BasicAuth) {
	if s.auth.set(a) && a != nil {
		s.closeClients(nil)
	}
}

// AuthRequired reports whether the Server asks for a password now.
func (s *Server) AuthRequired() bool { return s.auth.creds.Load() != nil }

// allow answers the request itself (401 or 429) unless it may pass.
func (g *authGate) allow(w http.ResponseWriter, r *http.Request) bool {
	want := g.creds.Load()
	if want == nil {
		return true
	}
	key := clientKey(r.RemoteAddr)
	now := g.now()
	if wait := g.blocked(key, now); wait > 0 {
		// Refused without looking at the password, so that guessing
		// gets no answer at all while blocked.
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		http.Error(w, "429 too many wrong passwords from your address: try again in "+strconv.Itoa(secs)+" s", http.StatusTooManyRequests)
		return false
	}
	user, pass, ok := r.BasicAuth()
	if ok {
		u, p := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(pass))
		// Both compared every time: no early exit tells which was wrong.
		if subtle.ConstantTimeCompare(u[:], want.user[:])&subtle.ConstantTimeCompare(p[:], want.pass[:]) == 1 {
			g.succeeded(key)
			return true
		}
		// Only an attempt with credentials counts as a guess: a browser's
		// first request never carries any.
		g.failed(key, now)
	}
	w.Header().Set("WWW-Authenticate", authChallenge)
	http.Error(w, authRequiredBody, http.StatusUnauthorized)
	return false
}

// blocked is how long key must still wait, 0 when it may try.
func (g *authGate) blocked(key string, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.clients[key]
	if c == nil || !now.Before(c.until) {
		return 0
	}
	return c.until.Sub(now)
}

// succeeded forgets key's failures.
func (g *authGate) succeeded(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c := g.clients[key]; c != nil {
		g.lru.Remove(c.elem)
		delete(g.clients, key)
	}
}

// failed counts a wrong password from key and blocks it after too many.
func (g *authGate) failed(key string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.clients[key]
	if c == nil {
		if len(g.clients) >= g.limit {
			old := g.lru.Back().Value.(*authClient)
			g.lru.Remove(old.elem)
			delete(g.clients, old.key)
		}
		c = &authClient{key: key}
		c.elem = g.lru.PushFront(c)
		g.clients[key] = c
	} else {
		g.lru.MoveToFront(c.elem)
	}
	if c.block > 0 && now.Sub(c.until) > authMaxBlock+authFailWindow {
		c.block = 0 // quiet for long enough: start over gently
	}
	if c.failures == 0 || now.Sub(c.first) > authFailWindow {
		c.failures, c.first = 0, now
	}
	c.failures++
	blockedNow := false
	if c.failures >= maxAuthFailures {
		c.block = min(max(2*c.block, authFirstBlock), authMaxBlock)
		c.until = now.Add(c.block)
		c.failures = 0
		blockedNow = true
	}
	g.logFailure(key, now, blockedNow, c.block)
}

// logFailure writes at most one line per authLogInterval, so that a guessing
// client cannot fill the log; never the password or the header.
func (g *authGate) logFailure(key string, now time.Time, blocked bool, block time.Duration) {
	if !g.lastLog.IsZero() && now.Sub(g.lastLog) < authLogInterval {
		g.suppressed++
		return
	}
	args := []any{"remote", key}
	if blocked {
		args = append(args, "blocked_s", int(block/time.Second))
	}
	if g.suppressed > 0 {
		args = append(args, "more_failures", g.suppressed)
	}
	g.lastLog, g.suppressed = now, 0
	g.log.Warn("http: wrong user name or password", args...)
}

// size is how many addresses are remembered, for tests.
func (g *authGate) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.clients)
}

// clientKey is the address a client is throttled by: its IP, or for IPv6
// its /64, since one host may own a whole /64 and rotate through it.
func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip4 := ip.To4(); ip4 != nil {
		return ip4.String()
	}
	return (&net.IPNet{IP: ip.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
}
