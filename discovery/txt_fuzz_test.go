package discovery

import (
	"bytes"
	"fmt"
	"maps"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/grandcat/zeroconf"
)

// wireTXT splits b the way a TXT record's RDATA is split on the wire: a
// length byte, then that many bytes; a short last string takes what is left.
func wireTXT(b []byte) []string {
	var out []string
	for len(b) > 0 {
		n := min(int(b[0]), len(b)-1)
		out = append(out, string(b[1:1+n]))
		b = b[1+n:]
	}
	return out
}

// toWire is the inverse of wireTXT for seeds (strings of up to 255 bytes).
func toWire(txt ...string) []byte {
	var b []byte
	for _, s := range txt {
		b = append(b, byte(len(s)))
		b = append(b, s...)
	}
	return b
}

// dnsEscape is the presentation-format escaping miekg/dns applies to TXT
// strings and names: \" \\ \. and \DDD for bytes outside printable ASCII.
func dnsEscape(s string) string {
	b := make([]byte, 0, 4*len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\' || c == '.':
			b = append(b, '\\', c)
		case c < ' ' || c > '~':
			b = append(b, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// checkTXTMap asserts what ParseTXT promises for any input.
func checkTXTMap(t *testing.T, m map[string]string) {
	t.Helper()
	if len(m) > maxTXTKeys {
		t.Fatalf("%d keys, cap %d", len(m), maxTXTKeys)
	}
	for k, v := range m {
		switch {
		case k == "":
			t.Fatalf("empty key (value %q)", v)
		case len(k) > maxValue || len(v) > maxValue:
			t.Fatalf("key %q (%d bytes) = value (%d bytes) over %d", k, len(k), len(v), maxValue)
		case !utf8.ValidString(k) || !utf8.ValidString(v):
			t.Fatalf("invalid UTF-8: %q = %q", k, v)
		case strings.ToLower(k) != k:
			t.Fatalf("key %q is not lower-case", k)
		}
	}
}

func txtSeeds() [][]byte {
	lancam := lancamTXT(Info{ID: "3f2a9c0d1e2f", Name: "Kitchen", Version: "1.0", Port: 8080, Width: 1280, Height: 720, FPS: 30, Auth: "none"})
	many := make([]string, 40)
	for i := range many {
		many[i] = fmt.Sprintf("k%d=v%d", i, i)
	}
	return [][]byte{
		toWire(lancam...),
		toWire(httpTXT(Info{})...),
		toWire(`id=abc`, `name=K\195\188che`, `path=/stream.mjpg`),            // avahi/miekg escaped
		toWire("ID=X", "Id=y", "id=z", "NAME=Big", "flag", "=nokey", "a=b=c"), // case, duplicates, no "="
		toWire(many...),
		toWire("id=\xff\xfe", "name=\xc3", "\xe2\x82=v", strings.Repeat("k", 255)),
		toWire("\u023a\u023a=v", strings.Repeat("\u023a", 126)+"=v", strings.Repeat("\x80a", 126)+"=v"),
		{200, 'i', 'd', '='}, // length byte past the end
	}
}

// FuzzParseTXT: ParseTXT (on the strings as received and after unescapeDNS)
// returns at most 32 keys, every key non-empty, lower-case, valid UTF-8 and
// <= 255 bytes, every value valid UTF-8 and <= 255 bytes; a first string
// whose key and value are already clean comes back unchanged; repeating the
// first string changes nothing (the first occurrence wins). unescapeDNS
// never grows its input, leaves strings without a backslash alone and
// undoes miekg/dns's escaping exactly. InstanceName is <= 63 bytes of valid
// UTF-8 ending in "(<id prefix>)"; the TXT lancam announces parses back to
// the announced name when that is clean.
func FuzzParseTXT(f *testing.F) {
	for i, w := range txtSeeds() {
		f.Add(w, []string{"Kitchen", "", "K\u00fcche \U0001F4F7", strings.Repeat("\u00e9", 40), " \xff "}[i%5], []string{"3f2a9c0d", "", "\xff\xfe\xfd", "\u00e9\u00e9\u00e9\u00e9"}[i%4])
	}
	f.Fuzz(func(t *testing.T, wire []byte, name, id string) {
		raw := wireTXT(wire)
		m := ParseTXT(raw)
		checkTXTMap(t, m)
		if len(raw) > 0 {
			if k, v, _ := strings.Cut(raw[0], "="); k != "" && len(k) <= maxValue && len(v) <= maxValue &&
				utf8.ValidString(k) && utf8.ValidString(v) && strings.ToLower(k) == k && m[k] != v {
				t.Fatalf("first string %q: got %q", raw[0], m[k])
			}
			if again := ParseTXT(append([]string{raw[0]}, raw...)); !maps.Equal(again, m) {
				t.Fatalf("repeating %q changed the map:\n%q\n%q", raw[0], m, again)
			}
		}
		unesc := make([]string, len(raw))
		for i, s := range append(raw, name, id) {
			u := unescapeDNS(s)
			if len(u) > len(s) || !strings.Contains(s, `\`) && u != s {
				t.Fatalf("unescapeDNS(%q) = %q", s, u)
			}
			if back := unescapeDNS(dnsEscape(s)); back != s {
				t.Fatalf("unescapeDNS(%q) = %q, want %q", dnsEscape(s), back, s)
			}
			if i < len(raw) {
				unesc[i] = u
			}
		}
		checkTXTMap(t, ParseTXT(unesc))

		for _, nm := range []string{name, m["name"]} {
			in := InstanceName(nm, id)
			if len(in) > maxLabel || !utf8.ValidString(in) || !strings.HasSuffix(in, ")") || strings.HasPrefix(in, " (") {
				t.Fatalf("InstanceName(%q, %q) = %q (%d bytes)", nm, id, in, len(in))
			}
		}
		txt := lancamTXT(Info{ID: id, Name: name, Version: "1", Auth: "basic"})
		for _, s := range txt {
			if len(s) > maxTXTString || !utf8.ValidString(s) {
				t.Fatalf("announced TXT string %q (%d bytes)", s, len(s))
			}
		}
		back := ParseTXT(txt)
		if utf8.ValidString(name) && len(name) <= maxTXTString-len("name=") && back["name"] != name {
			t.Fatalf("announced name %q parses back as %q", name, back["name"])
		}
	})
}

// addrsFrom turns fuzz bytes into address lists: a tag byte, then 4 bytes
// of IPv4 (even tag) or 16 bytes of IPv6 (odd tag).
func addrsFrom(b []byte) (v4, v6 []net.IP) {
	for len(b) > 0 {
		n := 4
		if b[0]&1 == 1 {
			n = 16
		}
		if len(b) < 1+n {
			break
		}
		ip := net.IP(bytes.Clone(b[1 : 1+n]))
		if n == 4 {
			v4 = append(v4, ip)
		} else {
			v6 = append(v6, ip)
		}
		b = b[1+n:]
	}
	return v4, v6
}

func usable(ip net.IP) bool {
	return ip != nil && !ip.IsUnspecified() && (ip.To4() != nil || !ip.IsLinkLocalUnicast())
}

// FuzzPeerFromEntry: peerFromEntry never panics; ok comes with a non-empty
// id equal to the TXT id, a port in 1..65535, 1..16 distinct usable
// addresses (no unspecified, no zoneless IPv6 link-local) with IPv4 first, a
// TXT map within ParseTXT's bounds and valid UTF-8 names; and an answer
// that has an id, a valid port and a usable address is never dropped.
func FuzzPeerFromEntry(f *testing.F) {
	addr := func(ips ...string) []byte {
		var b []byte
		for _, s := range ips {
			ip := net.ParseIP(s)
			if v4 := ip.To4(); v4 != nil {
				b = append(append(b, 0), v4...)
			} else {
				b = append(append(b, 1), ip...)
			}
		}
		return b
	}
	ports := []int{8080, 0, 65535, 65536, -1, 1}
	addrs := [][]byte{
		addr("192.168.1.20", "fe80::1", "2001:db8::1"),
		addr("0.0.0.0", "::", "fe80::2"),
		addr("2001:db8::1", "10.0.0.1", "10.0.0.1", "::ffff:10.0.0.2"),
		nil,
	}
	for i, w := range txtSeeds() {
		f.Add(`Kitchen\032\(3f2a9c\)`, "cam-a.local.", ports[i%len(ports)], w, addrs[i%len(addrs)])
	}
	f.Add("K\\195\\188che (3f2a9c)", "pi.local.", 8080, toWire("id=3f2a9c"), addr("192.168.1.21"))
	now := time.Unix(1764146400, 0)
	f.Fuzz(func(t *testing.T, instance, host string, port int, wire, addrBytes []byte) {
		e := zeroconf.NewServiceEntry(instance, ServiceType, Domain)
		e.HostName, e.Port, e.Text = host, port, wireTXT(wire)
		e.AddrIPv4, e.AddrIPv6 = addrsFrom(addrBytes)
		p, ok := peerFromEntry(e, now)
		if !ok {
			raw := make([]string, 0, len(e.Text))
			for _, s := range e.Text[:min(len(e.Text), 4*maxTXTKeys)] {
				raw = append(raw, unescapeDNS(s))
			}
			anyUsable := false
			for _, ip := range append(e.AddrIPv4, e.AddrIPv6...) {
				anyUsable = anyUsable || usable(ip)
			}
			if ParseTXT(raw)["id"] != "" && port >= 1 && port <= 65535 && anyUsable {
				t.Fatalf("answer with id, port %d and a usable address dropped", port)
			}
			return
		}
		if p.ID == "" || p.ID != p.TXT["id"] {
			t.Fatalf("id %q, TXT id %q", p.ID, p.TXT["id"])
		}
		if p.Port < 1 || p.Port > 65535 {
			t.Fatalf("port %d", p.Port)
		}
		if len(p.Addrs) == 0 || len(p.Addrs) > 16 {
			t.Fatalf("%d addresses", len(p.Addrs))
		}
		seen := map[string]bool{}
		for i, ip := range p.Addrs {
			if !usable(ip) || seen[ip.String()] {
				t.Fatalf("address %d %v unusable or repeated in %v", i, ip, p.Addrs)
			}
			seen[ip.String()] = true
			if i > 0 && ip.To4() != nil && p.Addrs[i-1].To4() == nil {
				t.Fatalf("IPv4 after IPv6: %v", p.Addrs)
			}
		}
		checkTXTMap(t, p.TXT)
		for _, s := range []string{p.Name, p.Instance, p.Host} {
			if !utf8.ValidString(s) || len(s) > maxValue {
				t.Fatalf("invalid UTF-8 or over %d bytes in %+v", maxValue, p)
			}
		}
		if p.Name == "" && p.Instance != "" || !p.LastSeen.Equal(now) {
			t.Fatalf("name %q, instance %q, last seen %v", p.Name, p.Instance, p.LastSeen)
		}
	})
}
