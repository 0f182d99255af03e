package main

// Reading and polling /status.

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// statusDoc is what the end-to-end and QEMU tests read of /status.
type statusDoc struct {
	Source struct {
		Kind        string  `json:"kind"`
		Device      string  `json:"device"`
		Format      string  `json:"format"`
		Width       int     `json:"width"`
		Height      int     `json:"height"`
		FPSWanted   float64 `json:"fps_wanted"`
		FPSMeasured float64 `json:"fps_measured"`
		FPSDevice   float64 `json:"fps_device"`
		Online      bool    `json:"online"`
		Running     bool    `json:"running"`
		LastError   string  `json:"last_error"`
	} `json:"source"`
	Clients []struct {
		Address string  `json:"address"`
		FPS     float64 `json:"fps"`
		Sent    uint64  `json:"sent"`
	} `json:"clients"`
	Streaming bool    `json:"streaming"`
	UptimeS   float64 `json:"uptime_s"`
	Version   string  `json:"version"`
	Cameras   []struct {
		Path    string `json:"path"`
		Card    string `json:"card"`
		Formats []struct {
			FourCC string `json:"fourcc"`
		} `json:"formats"`
	} `json:"cameras"`
}

// camera returns the formats /status lists for path, and whether it is listed.
func (st statusDoc) camera(path string) ([]string, bool) {
	for _, c := range st.Cameras {
		if c.Path == path {
			var f []string
			for _, x := range c.Formats {
				f = append(f, x.FourCC)
			}
			return f, true
		}
	}
	return nil, false
}

// getStatus fetches and decodes /status.
func getStatus(t *testing.T, l *lancam) statusDoc {
	t.Helper()
	resp, body := httpGet(t, l.url("/status"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/status: %s", resp.Status)
	}
	var st statusDoc
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("/status: %v\n%s", err, body)
	}
	return st
}

// waitStatus polls /status until cond holds, failing the test after timeout.
func waitStatus(t *testing.T, l *lancam, timeout time.Duration, what string, cond func(statusDoc) bool) statusDoc {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := getStatus(t, l)
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for /status to show %s; last: %+v", timeout, what, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestE2EPeersWithoutMDNS: with -no-mdns, /peers still answers, says
// discovery is off, lists nobody, and names this installation.
func TestE2EPeersWithoutMDNS(t *testing.T) {
	t.Parallel()
	l := startLancam(t, "-source", "test", "-name", "Werkstatt ü")
	resp, body := httpGet(t, l.url("/peers"))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("/peers: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	var d peersDoc
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatalf("/peers: %v\n%s", err, body)
	}
	if d.MDNS || d.Peers == nil || len(d.Peers) != 0 || d.Self.Name != "Werkstatt ü" || len(d.Self.ID) != 16 {
		t.Errorf("/peers = %s, want mdns off, no peers, the name and a 16-digit id", body)
	}
}
