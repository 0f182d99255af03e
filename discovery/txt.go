// Package discovery announces this lancam instance over mDNS/DNS-SD and finds
// other instances on the LAN, working around the gaps of grandcat/zeroconf
// v1.0.0 (no removal events, no re-query after the first answer, resolvers
// that cannot be reused).
package discovery

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/grandcat/zeroconf"
)

// Service types and domain; exported so tools and tests agree on the wire names.
const (
	ServiceType = "_lancam._tcp"
	HTTPService = "_http._tcp"
	Domain      = "local."
)

const (
	maxTXTString = 255 // RFC 6763 §6.1: one length byte per string
	maxLabel     = 63  // DNS label limit for the instance name
	maxValue     = 255 // cap for any parsed value we keep
	maxTXTKeys   = 32  // cap for how many TXT keys we keep from a peer
	idSuffixLen  = 6
)

// Info is what an instance tells the LAN about itself; the caller owns it so
// a settings change can be pushed with Announcer.Update.
type Info struct {
	ID, Name, Version string
	Port              int
	// Path and Snapshot are the stream's and the snapshot's URL paths
	// ("" means /stream.mjpg and /snapshot.jpg); Camera names the camera
	// among several that one lancam serves ("" for the only one).
	Path, Snapshot, Camera string
	// WebRTC is the WHEP URL path when the camera offers H.264 over
	// WebRTC ("" for MJPEG only): TXT webrtc.
	WebRTC        string
	Width, Height int
	FPS           float64
	Auth          string // "none" or "basic"
}

// truncUTF8 cuts s to at most n bytes without splitting a UTF-8 sequence, so a
// truncated TXT value is still readable by other clients.
func truncUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// txtPair builds "key=value" capped at 255 bytes.
func txtPair(k, v string) string {
	return k + "=" + truncUTF8(strings.ToValidUTF8(v, "\uFFFD"), maxTXTString-len(k)-1)
}

// InstanceName makes the DNS-SD instance label unique on the LAN: zeroconf has
// no conflict detection, so two cameras called "Kitchen" would otherwise
// collide. The display name itself travels in TXT.
func InstanceName(name, id string) string {
	name = strings.TrimSpace(strings.ToValidUTF8(name, ""))
	if name == "" {
		name = "lancam"
	}
	suffix := id
	if len(suffix) > idSuffixLen {
		suffix = suffix[:idSuffixLen]
	}
	suffix = " (" + strings.ToValidUTF8(suffix, "") + ")"
	return truncUTF8(name, maxLabel-len(suffix)) + suffix
}

func lancamTXT(in Info) []string {
	auth := in.Auth
	if auth != "basic" {
		auth = "none"
	}
	txt := []string{
		txtPair("id", in.ID),
		txtPair("name", in.Name),
		txtPair("path", orDefault(in.Path, "/stream.mjpg")),
		txtPair("snapshot", orDefault(in.Snapshot, "/snapshot.jpg")),
		txtPair("size", fmt.Sprintf("%dx%d", in.Width, in.Height)),
		txtPair("fps", strconv.FormatFloat(in.FPS, 'f', -1, 64)),
		txtPair("auth", auth),
		txtPair("version", in.Version),
	}
	if in.Camera != "" {
		txt = append(txt, txtPair("cam", in.Camera))
	}
	if in.WebRTC != "" {
		txt = append(txt, txtPair("webrtc", in.WebRTC))
	}
	return txt
}

// httpTXT points generic browsers at the camera's page: the server's for
// the only (or first) camera, /cam/NAME/ for the others.
func httpTXT(in Info) []string {
	if in.Camera != "" && in.Path != "" && in.Path != "/stream.mjpg" {
		return []string{"path=" + strings.TrimSuffix(in.Path, "stream.mjpg")}
	}
	return []string{"path=/"}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ParseTXT turns hostile TXT strings into a bounded, valid-UTF-8 map: keys are
// lower-cased (RFC 6763 §6.4), the first occurrence of a key wins (§6.4), a
// key without "=" maps to "", empty keys are dropped, and lengths are capped.
func ParseTXT(txt []string) map[string]string {
	m := make(map[string]string)
	for _, s := range txt {
		if len(m) >= maxTXTKeys {
			break
		}
		k, v, _ := strings.Cut(s, "=")
		// Capped again last: replacing invalid bytes and lower-casing
		// (e.g. U+023A, 2 bytes, to U+2C65, 3 bytes) can both grow it.
		k = truncUTF8(strings.ToLower(strings.ToValidUTF8(truncUTF8(k, maxValue), "\uFFFD")), maxValue)
		if k == "" {
			continue
		}
		if _, dup := m[k]; dup {
			continue
		}
		m[k] = truncUTF8(strings.ToValidUTF8(truncUTF8(v, maxValue), "\uFFFD"), maxValue)
	}
	return m
}

// peerFromEntry validates an answer; ok is false for answers we must ignore
// (no id, no usable address or port).
func peerFromEntry(e *zeroconf.ServiceEntry, now time.Time) (Peer, bool) {
	if e == nil {
		return Peer{}, false
	}
	raw := make([]string, 0, min(len(e.Text), 4*maxTXTKeys))
	for _, t := range e.Text[:min(len(e.Text), 4*maxTXTKeys)] {
		raw = append(raw, unescapeDNS(t))
	}
	txt := ParseTXT(raw)
	id := txt["id"]
	if id == "" || e.Port <= 0 || e.Port > 65535 {
		return Peer{}, false
	}
	p := Peer{ID: id, Name: txt["name"], Instance: cleanValue(unescapeDNS(e.Instance)),
		Port: e.Port, TXT: txt, LastSeen: now}
	if p.Name == "" {
		p.Name = p.Instance
	}
	p.Host = strings.TrimSuffix(cleanValue(unescapeDNS(e.HostName)), ".")
	p.Addrs = mergeAddrs(nil, e.AddrIPv4, e.AddrIPv6)
	if len(p.Addrs) == 0 {
		return Peer{}, false
	}
	return p, true
}

// mergeAddrs unions address lists, IPv4 first, skipping unusable ones
// (IPv6 link-local comes without a zone in v1.0.0).
func mergeAddrs(old []net.IP, v4, v6 []net.IP) []net.IP {
	var out []net.IP
	seen := map[string]bool{}
	add := func(ip net.IP) {
		if ip == nil || ip.IsUnspecified() || seen[ip.String()] || len(out) >= 16 {
			return
		}
		if ip.To4() == nil && ip.IsLinkLocalUnicast() {
			return
		}
		seen[ip.String()] = true
		out = append(out, ip)
	}
	for _, ip := range v4 {
		add(ip)
	}
	for _, ip := range old {
		add(ip)
	}
	for _, ip := range v6 {
		add(ip)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].To4() != nil && out[j].To4() == nil })
	return out
}

// unescapeDNS undoes the presentation-format escaping (\DDD and \X) that
// miekg/dns applies to TXT strings and instance names, so "Küche" arrives as
// "Küche" and not "K\195\188che".
func unescapeDNS(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			if n := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0'); n <= 255 {
				b = append(b, byte(n))
				i += 3
				continue
			}
		}
		i++
		b = append(b, s[i])
	}
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// cleanValue makes s valid UTF-8 of at most maxValue bytes; the cap comes
// last because replacing invalid bytes can make a string longer.
func cleanValue(s string) string {
	return truncUTF8(strings.ToValidUTF8(truncUTF8(s, maxValue), "\uFFFD"), maxValue)
}
