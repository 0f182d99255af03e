package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Peer is another lancam instance as last seen on the LAN.
type Peer struct {
	// Key tells listed services apart: the id, the port and the address
	// the service was first seen on. Ids alone are not enough: copies of
	// one installation (a cloned SD card) announce the same id from
	// different machines until they notice and take new ones.
	Key      string
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

// HTTPStatusCheck is the production Checker: a 2xx answer from /status
// that lists the peer's id means alive. An answer that lists only other
// ids is another lancam at that address now (the peer changed its id or
// its address went to someone else); a lancam that lists no ids (older
// versions) or asks for a password counts as alive.
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
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized {
			return nil // alive; its ids are behind the password
		}
		if resp.StatusCode/100 != 2 {
			return errors.New("status " + resp.Status)
		}
		var doc struct {
			ID      string `json:"id"`
			Streams []struct {
				ID string `json:"id"`
			} `json:"streams"`
		}
		if json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc) != nil {
			return nil // not ours to judge: it answered
		}
		ids := []string{doc.ID}
		for _, s := range doc.Streams {
			ids = append(ids, s.ID)
		}
		if doc.ID == "" && len(doc.Streams) == 0 || slices.Contains(ids, p.ID) {
			return nil
		}
		return errors.New("the address now answers as another lancam")
	}
}

func samePeer(a, b Peer) bool {
	if a.ID != b.ID || a.Name != b.Name || a.Port != b.Port || a.Instance != b.Instance || a.Host != b.Host || len(a.Addrs) != len(b.Addrs) || len(a.TXT) != len(b.TXT) {
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

// sameService says whether an answer p comes from the listed service q:
// same id and port, and an address in common (a machine with Ethernet and
// Wi-Fi answers with both; a copy on another machine shares none).
func sameService(q, p Peer) bool {
	return q.ID == p.ID && q.Port == p.Port && sharesAddr(q, p)
}

// sharesAddr says whether two answers have an address in common.
func sharesAddr(q, p Peer) bool {
	for _, a := range p.Addrs {
		if slices.ContainsFunc(q.Addrs, a.Equal) {
			return true
		}
	}
	return false
}

// serviceKey makes a new listed service's Key.
func serviceKey(p Peer) string {
	return p.ID + "@" + p.URL()
}
