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
	ID      string       `json:"id"` // the first camera's
	Name    string       `json:"name"`
	Cameras []selfCamera `json:"cameras"`
}

// selfCamera is one camera this lancam serves.
type selfCamera struct {
	Name     string `json:"name"` // its path name: /cam/NAME/
	Title    string `json:"title"`
	ID       string `json:"id"`
	Page     string `json:"page"`
	Stream   string `json:"stream"`
	Snapshot string `json:"snapshot"`
	WebRTC   string `json:"webrtc"` // its WHEP path, "" without H.264
	On       bool   `json:"on"`
}

type peerDoc struct {
	Key      string    `json:"key"` // unique in the list, unlike id while copies of an installation sort themselves out
	ID       string    `json:"id"`
	Camera   string    `json:"camera"` // the camera's name on a lancam serving several, else ""
	Name     string    `json:"name"`
	Instance string    `json:"instance"`
	Host     string    `json:"host"`
	Addrs    []string  `json:"addrs"`
	Port     int       `json:"port"`
	URL      string    `json:"url"`      // the peer's page
	Stream   string    `json:"stream"`   // its MJPEG stream
	Snapshot string    `json:"snapshot"` // its current frame, for thumbnails
	WebRTC   string    `json:"webrtc"`   // its WHEP endpoint (H.264 over WebRTC), "" when it offers MJPEG only
	Size     string    `json:"size"`
	FPS      string    `json:"fps"`
	Auth     string    `json:"auth"`
	Version  string    `json:"version"`
	LastSeen time.Time `json:"last_seen"`
}

// newPeersDoc builds the document from a browser snapshot.
func newPeersDoc(self selfDoc, mdns bool, peers []discovery.Peer) peersDoc {
	d := peersDoc{Self: self, MDNS: mdns, Peers: make([]peerDoc, 0, len(peers))}
	for _, p := range peers {
		base := p.URL()
		addrs := make([]string, len(p.Addrs))
		for i, a := range p.Addrs {
			addrs[i] = a.String()
		}
		d.Peers = append(d.Peers, peerDoc{
			Key: p.Key, ID: p.ID, Camera: p.TXT["cam"], Name: p.Name, Instance: p.Instance, Host: p.Host, Addrs: addrs, Port: p.Port,
			URL: base + peerPage(peerPath(p.TXT["path"], "/stream.mjpg")), Stream: base + peerPath(p.TXT["path"], "/stream.mjpg"),
			Snapshot: base + peerPath(p.TXT["snapshot"], "/snapshot.jpg"), WebRTC: peerWHEP(base, p.TXT["webrtc"]),
			Size: p.TXT["size"], FPS: p.TXT["fps"], Auth: p.TXT["auth"], Version: p.TXT["version"],
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

// peerPage is the page of the camera whose stream is at path: /cam/NAME/
// for a lancam's second and further cameras, else the server's page.
func peerPage(stream string) string {
	if strings.HasPrefix(stream, "/cam/") && strings.HasSuffix(stream, "/stream.mjpg") {
		return strings.TrimSuffix(stream, "stream.mjpg")
	}
	return "/"
}

// peerWHEP is the peer's WHEP URL, "" when it offers none (or a path that
// would leave its host).
func peerWHEP(base, path string) string {
	if p := peerPath(path, ""); p != "" {
		return base + p
	}
	return ""
}
