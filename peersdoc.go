package main

import (
	"strings"
	"time"

	"lancam/discovery"
)

// peersDoc is the /peers document: who we are, whether discovery runs, and
// the other lancams, each with ready-to-use URLs on its first address.
type peersDoc struct {
	Self  selfDoc   `json:"self"`
	MDNS  bool      `json:"mdns"`
	Peers []peerDoc `json:"peers"` // never null
}

type selfDoc struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type peerDoc struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Instance string    `json:"instance"`
	Host     string    `json:"host"`
	Addrs    []string  `json:"addrs"`
	Port     int       `json:"port"`
	URL      string    `json:"url"`      // the peer's page
	Stream   string    `json:"stream"`   // its MJPEG stream
	Snapshot string    `json:"snapshot"` // its current frame, for thumbnails
	Size     string    `json:"size"`
	FPS      string    `json:"fps"`
	Auth     string    `json:"auth"`
	Version  string    `json:"version"`
	LastSeen time.Time `json:"last_seen"`
}

// newPeersDoc builds the document from a browser snapshot.
func newPeersDoc(id, name string, mdns bool, peers []discovery.Peer) peersDoc {
	d := peersDoc{Self: selfDoc{ID: id, Name: name}, MDNS: mdns, Peers: make([]peerDoc, 0, len(peers))}
	for _, p := range peers {
		base := p.URL()
		addrs := make([]string, len(p.Addrs))
		for i, a := range p.Addrs {
			addrs[i] = a.String()
		}
		d.Peers = append(d.Peers, peerDoc{
			ID: p.ID, Name: p.Name, Instance: p.Instance, Host: p.Host, Addrs: addrs, Port: p.Port,
			URL: base + "/", Stream: base + peerPath(p.TXT["path"], "/stream.mjpg"),
			Snapshot: base + peerPath(p.TXT["snapshot"], "/snapshot.jpg"),
			Size:     p.TXT["size"], FPS: p.TXT["fps"], Auth: p.TXT["auth"], Version: p.TXT["version"],
			LastSeen: p.LastSeen.UTC().Truncate(time.Millisecond),
		})
	}
	return d
}

// peerPath accepts a TXT path only if it stays on the peer's host: an
// absolute path without "//" (which a browser would read as another host),
// backslashes or control characters; anything else gets the default.
func peerPath(p, def string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\ \"'<>") ||
		strings.ContainsFunc(p, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return def
	}
	return p
}
