package discovery

import (
	"context"
	"errors"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Peer is another lancam instance as last seen on the LAN.
type Peer struct {
	ID       string
	Name     string
	Instance string
	Host     string   // the peer's mDNS host name without the trailing dot, e.g. "cam-a.local"
	Addrs    []net.IP // IPv4 first, merged across answers
	Port     int
	TXT      map[string]string
	LastSeen time.Time
}

// URL gives the base URL of the peer's first address, for the status check
// and for clients that want to open the stream.
func (p Peer) URL() string {
	if len(p.Addrs) == 0 {
		return ""
	}
	return "http://" + net.JoinHostPort(p.Addrs[0].String(), strconv.Itoa(p.Port))
}

// HTTPStatusCheck is the production Checker: a 2xx answer from /status means alive.
func HTTPStatusCheck(c *http.Client) Checker {
	return func(ctx context.Context, p Peer) error {
		u := p.URL()
		if u == "" {
			return errors.New("no address")
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u+"/status", nil)
		if err != nil {
			return err
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return errors.New("status " + resp.Status)
		}
		return nil
	}
}

func samePeer(a, b Peer) bool {
	if a.Name != b.Name || a.Port != b.Port || a.Instance != b.Instance || a.Host != b.Host || len(a.Addrs) != len(b.Addrs) || len(a.TXT) != len(b.TXT) {
		return false
	}
	for i := range a.Addrs {
		if !a.Addrs[i].Equal(b.Addrs[i]) {
			return false
		}
	}
	for k, v := range a.TXT {
		if w, ok := b.TXT[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// clone keeps snapshots independent of the browser's state, so consumers may
// modify what they get.
func (p Peer) clone() Peer {
	p.Addrs = slices.Clone(p.Addrs)
	p.TXT = maps.Clone(p.TXT)
	return p
}
