package discovery

import (
	"net"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/grandcat/zeroconf"
)

func TestParseTXTHostile(t *testing.T) {
	long := strings.Repeat("é", 400)
	tests := []struct {
		name string
		in   []string
		key  string
		want string
		has  bool
	}{
		{"plain", []string{"id=abc"}, "id", "abc", true},
		{"missing", []string{"name=x"}, "id", "", false},
		{"no equals", []string{"flag"}, "flag", "", true},
		{"duplicate first wins", []string{"id=a", "id=b"}, "id", "a", true},
		{"key case", []string{"ID=a"}, "id", "a", true},
		{"empty key", []string{"=x"}, "", "", false},
		{"value with =", []string{"k=a=b"}, "k", "a=b", true},
		{"non-utf8", []string{"name=ab\xff\xfecd"}, "name", "ab\uFFFDcd", true},
		{"over-long", []string{"name=" + long}, "name", long[:254], true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := ParseTXT(tc.in)
			got, ok := m[tc.key]
			if ok != tc.has || got != tc.want {
				t.Fatalf("got %q,%v want %q,%v", got, ok, tc.want, tc.has)
			}
			for k, v := range m {
				if !utf8.ValidString(k) || !utf8.ValidString(v) || len(v) > maxValue {
					t.Fatalf("bad pair %q=%q", k, v)
				}
			}
		})
	}
	many := make([]string, 1000)
	for i := range many {
		many[i] = strings.Repeat("k", i%300+1) + "=v"
	}
	if m := ParseTXT(many); len(m) > maxTXTKeys {
		t.Fatalf("kept %d keys", len(m))
	}
}

func TestPeerFromEntry(t *testing.T) {
	e := &zeroconf.ServiceEntry{Port: 80, AddrIPv4: []net.IP{net.IPv4(10, 0, 0, 1)},
		AddrIPv6: []net.IP{net.ParseIP("fe80::1"), net.ParseIP("2001:db8::1")}}
	e.Instance = "Cam\xff"
	if _, ok := peerFromEntry(e, timeZero); ok {
		t.Fatal("peer without id accepted")
	}
	e.Text = []string{"id=x", "name=\xffKitchen"}
	p, ok := peerFromEntry(e, timeZero)
	if !ok || p.Name != "\uFFFDKitchen" || !utf8.ValidString(p.Instance) {
		t.Fatalf("got %+v %v", p, ok)
	}
	if len(p.Addrs) != 2 || p.Addrs[0].To4() == nil {
		t.Fatalf("addrs %v: want IPv4 first, link-local dropped", p.Addrs)
	}
	e.Port = 0
	if _, ok := peerFromEntry(e, timeZero); ok {
		t.Fatal("port 0 accepted")
	}
}

func TestLancamTXT(t *testing.T) {
	in := Info{ID: "a1b2c3d4", Name: strings.Repeat("日本", 200), Version: "1.0", Port: 8080, Width: 640, Height: 480, FPS: 12.5, Auth: "basic"}
	txt := lancamTXT(in)
	m := ParseTXT(txt)
	for _, s := range txt {
		if len(s) > maxTXTString || !utf8.ValidString(s) {
			t.Fatalf("bad TXT string (%d bytes)", len(s))
		}
	}
	want := map[string]string{"id": "a1b2c3d4", "path": "/stream.mjpg", "snapshot": "/snapshot.jpg",
		"size": "640x480", "fps": "12.5", "auth": "basic", "version": "1.0"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s=%q want %q", k, m[k], v)
		}
	}
	if !strings.HasPrefix(in.Name, m["name"]) || m["name"] == "" {
		t.Errorf("name not a prefix: %q", m["name"])
	}
	if got := ParseTXT(lancamTXT(Info{Auth: "weird"}))["auth"]; got != "none" {
		t.Errorf("auth %q", got)
	}
	// webrtc only when the camera offers it, so clients can tell.
	if _, ok := m["webrtc"]; ok {
		t.Errorf("webrtc=%q without WebRTC", m["webrtc"])
	}
	if got := ParseTXT(lancamTXT(Info{WebRTC: "/cam/yard/whep"}))["webrtc"]; got != "/cam/yard/whep" {
		t.Errorf("webrtc=%q, want /cam/yard/whep", got)
	}
}

func TestInstanceNameUnique(t *testing.T) {
	a, b := InstanceName("Kitchen", "a1b2c3d4"), InstanceName("Kitchen", "ffee0011")
	if a == b || a != "Kitchen (a1b2c3)" {
		t.Fatalf("%q %q", a, b)
	}
	long := InstanceName(strings.Repeat("ü", 100), "abcdefgh")
	if len(long) > maxLabel || !utf8.ValidString(long) || !strings.HasSuffix(long, " (abcdef)") {
		t.Fatalf("bad long name %q (%d)", long, len(long))
	}
	if got := InstanceName("  ", "x"); got != "lancam (x)" {
		t.Fatalf("empty name -> %q", got)
	}
}

func TestUnescapeDNS(t *testing.T) {
	for in, want := range map[string]string{
		`K\195\188che`:  "Küche",
		`Cam\ B \(a1\)`: "Cam B (a1)",
		`a\\b`:          `a\b`,
		`trail\`:        `trail\`,
		`big\999`:       "big999",
		`name=\"q\"`:    `name="q"`,
		"plain":         "plain",
		`\255\254bad`:   "\xff\xfebad",
	} {
		if got := unescapeDNS(in); got != want {
			t.Errorf("unescapeDNS(%q)=%q want %q", in, got, want)
		}
	}
}
