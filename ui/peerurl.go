package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"lancam/discovery"
)

// Defaults for peers whose TXT paths are missing or unusable.
const (
	defaultStreamPath   = "/stream.mjpg"
	defaultSnapshotPath = "/snapshot.jpg"
)

// maxNameRunes caps a peer's display name: TXT values reach 255 bytes, and
// a row or window title with that much text pushes everything else away.
const maxNameRunes = 64

// safePath accepts a TXT path only when it is plainly a path on the peer
// itself: "//host/x" would make URL() + path point at another host, and
// spaces, quotes or control characters have no business in our URLs.
func safePath(p, def string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return def
	}
	for _, r := range p {
		if r <= ' ' || r == 0x7f || r == '"' || r == '\'' || r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) {
			return def
		}
	}
	return p
}

// peerStreamURL is the MJPEG stream the peer advertises, or "" without an
// address.
func peerStreamURL(p discovery.Peer) string {
	base := p.URL()
	if base == "" {
		return ""
	}
	return base + safePath(p.TXT["path"], defaultStreamPath)
}

// peerSnapshotURL is the peer's single-JPEG URL, or "" without an address.
func peerSnapshotURL(p discovery.Peer) string {
	base := p.URL()
	if base == "" {
		return ""
	}
	return base + safePath(p.TXT["snapshot"], defaultSnapshotPath)
}

// cleanName makes a name received from the network safe to show: control
// and bidi-formatting characters could break rows or reorder the text
// around it, and invalid UTF-8 is replaced; long names are cut with "…".
func cleanName(s string) string { return cleanText(s, maxNameRunes) }

// cleanText is cleanName with a cap of limit runes.
func cleanText(s string, limit int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			// Newlines and tabs would break a row; any run of spaces
			// becomes one.
			if space || b.Len() == 0 {
				continue
			}
			space = true
			r = ' '
		} else if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		} else {
			space = false
		}
		if n == limit {
			return strings.TrimRight(b.String(), " ") + "…"
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimRight(b.String(), " ")
}

// peerName is what a row, a grid cell and a viewer window call the peer.
func peerName(p discovery.Peer) string {
	for _, s := range []string{p.Name, p.TXT["name"], p.Instance, p.Host, p.ID} {
		if n := cleanName(s); n != "" {
			return n
		}
	}
	return "lancam"
}

// peerHost is where the peer lives, for telling two cameras apart.
func peerHost(p discovery.Peer) string {
	if h := cleanName(p.Host); h != "" {
		return h
	}
	if len(p.Addrs) > 0 {
		return p.Addrs[0].String()
	}
	return ""
}

// peerDetails is the size and frame rate the peer advertises, e.g.
// "1280x720 · 30 fps"; values are cleaned like names since they come from
// the network too.
func peerDetails(p discovery.Peer) string {
	var parts []string
	if s := cleanShort(p.TXT["size"]); s != "" {
		parts = append(parts, s)
	}
	if f := cleanShort(p.TXT["fps"]); f != "" {
		parts = append(parts, f+" fps")
	}
	return strings.Join(parts, " · ")
}

// cleanShort is cleanName for small values such as "1280x720".
func cleanShort(s string) string {
	s = cleanName(s)
	if utf8.RuneCountInString(s) > 16 {
		return ""
	}
	return s
}

// sameShown compares what the tab shows of a peer.
func sameShown(a, b discovery.Peer) bool {
	return a.ID == b.ID && peerName(a) == peerName(b) && peerHost(a) == peerHost(b) &&
		peerDetails(a) == peerDetails(b) && peerStreamURL(a) == peerStreamURL(b) &&
		peerSnapshotURL(a) == peerSnapshotURL(b)
}
