package httpstream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// statusShape is /status as documented; decoding with unknown fields
// disallowed catches drift in either direction.
type statusShape struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Source struct {
		Kind        string  `json:"kind"`
		Device      string  `json:"device"`
		Format      string  `json:"format"`
		Width       int     `json:"width"`
		Height      int     `json:"height"`
		FPSWanted   float64 `json:"fps_wanted"`
		FPSMeasured float64 `json:"fps_measured"`
		FPSDevice   float64 `json:"fps_device"`
		Dropped     uint64  `json:"dropped"`
		Online      bool    `json:"online"`
		Running     bool    `json:"running"`
		LastError   string  `json:"last_error"`
		Rotate      int     `json:"rotate"`
		Mirror      bool    `json:"mirror"`
		Overlay     string  `json:"overlay"`
	} `json:"source"`
	Clients []struct {
		Address    string  `json:"address"`
		FPS        float64 `json:"fps"`
		Dropped    uint64  `json:"dropped"`
		Sent       uint64  `json:"sent"`
		ConnectedS float64 `json:"connected_s"`
		Camera     string  `json:"camera"`
		Protocol   string  `json:"protocol"`
	} `json:"clients"`
	Streaming bool    `json:"streaming"`
	UptimeS   float64 `json:"uptime_s"`
	Version   string  `json:"version"`
	Streams   []struct {
		Name      string          `json:"name"`
		Title     string          `json:"title"`
		ID        string          `json:"id"`
		On        bool            `json:"on"`
		Page      string          `json:"page"`
		Stream    string          `json:"stream"`
		Snapshot  string          `json:"snapshot"`
		Source    json.RawMessage `json:"source"`
		Clients   json.RawMessage `json:"clients"`
		Streaming bool            `json:"streaming"`
		WebRTC    string          `json:"webrtc"`
		H264      *struct {
			Encoder string `json:"encoder"`
			Viewers int    `json:"viewers"`
			Frames  uint64 `json:"frames"`
			Bytes   uint64 `json:"bytes"`
			Error   string `json:"error"`
		} `json:"h264"`
	} `json:"streams"`
	WebRTC  string          `json:"webrtc"`
	Cameras json.RawMessage `json:"cameras"`
	Process struct {
		Goroutines int `json:"goroutines"`
		OpenFDs    int `json:"open_fds"`
	} `json:"process"`
	LAN *struct {
		InterfacesUp bool     `json:"interfaces_up"`
		Interfaces   []string `json:"interfaces"`
		Message      string   `json:"message"`
	} `json:"lan"`
}

func getStatus(t *testing.T, addr string) (statusShape, []byte) {
	t.Helper()
	resp, err := testClient().Get("http://" + addr + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != cacheControl {
		t.Errorf("Cache-Control %q", cc)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var st statusShape
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return st, raw
}

func TestStatus(t *testing.T) {
	src := &fakeSource{fps: 30}
	s := startServer(t, Config{Hub: newHub(t, src), Version: "v-test"})

	st, raw := getStatus(t, s.Addr())
	if !bytes.Contains(raw, []byte(`"clients":[]`)) || st.Streaming {
		t.Errorf("idle status: %s", raw)
	}
	if string(st.Cameras) != "[]" {
		t.Errorf("cameras without a lister = %s, want []", st.Cameras)
	}
	if st.Version != "v-test" || st.Source.Kind != "test" || st.Source.FPSWanted != 30 || st.Source.Width != 16 {
		t.Errorf("idle status: %+v", st)
	}
	// The test process itself runs goroutines and holds descriptors (the
	// listener at least), so both counts are positive on Linux.
	if st.Process.Goroutines <= 0 || st.Process.OpenFDs == 0 || st.Process.OpenFDs < -1 {
		t.Errorf("process counters: %+v", st.Process)
	}

	var addrs []string
	for range 2 {
		conn, br := openStream(t, s.Addr())
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		readPart(t, br)
		addrs = append(addrs, conn.LocalAddr().String())
	}
	// A viewer can read a part before the server's Write returns and counts
	// it, so wait for the counters instead of reading them once.
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, raw = getStatus(t, s.Addr())
		counted := len(st.Clients) == 2
		for _, c := range st.Clients {
			counted = counted && c.Sent > 0
		}
		if counted || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	var got []string
	for _, c := range st.Clients {
		got = append(got, c.Address)
		if c.Sent == 0 || c.ConnectedS < 0 {
			t.Errorf("client %+v", c)
		}
	}
	slices.Sort(got)
	slices.Sort(addrs)
	if !slices.Equal(got, addrs) {
		t.Errorf("clients %v, want %v", got, addrs)
	}
	if !st.Streaming || !st.Source.Running || !st.Source.Online {
		t.Errorf("status with viewers: %s", raw)
	}
}

// TestStateAlias: ustreamer's /state answers the same document.
func TestStateAlias(t *testing.T) {
	s := startServer(t, Config{Hub: newHub(t, &fakeSource{fps: 5})})
	resp, err := testClient().Get("http://" + s.Addr() + "/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st statusShape
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.Source.Kind != "test" {
		t.Errorf("/state: %+v, %v", st, err)
	}
}

func TestClientInfoJSON(t *testing.T) {
	ci := ClientInfo{Address: "1.2.3.4:5", FPS: 29.987, Dropped: 3, Sent: 7, Since: time.Now().Add(-90 * time.Second)}
	b, err := json.Marshal([]ClientInfo{ci})
	if err != nil {
		t.Fatal(err)
	}
	var back []map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	m := back[0]
	if m["address"] != "1.2.3.4:5" || m["fps"] != 29.99 || m["dropped"] != 3.0 || m["sent"] != 7.0 {
		t.Errorf("%s", b)
	}
	if c, _ := m["connected_s"].(float64); c < 89 || c > 95 {
		t.Errorf("connected_s in %s", b)
	}
}

func TestStatusCarriesCameraList(t *testing.T) {
	src := &fakeSource{fps: 30}
	list := []map[string]string{{"path": "/dev/video0", "card": "Fake Cam"}}
	s := startServer(t, Config{Hub: newHub(t, src), Cameras: func() any { return list }})
	st, _ := getStatus(t, s.Addr())
	if want := `[{"card":"Fake Cam","path":"/dev/video0"}]`; string(st.Cameras) != want {
		t.Fatalf("cameras = %s, want %s", st.Cameras, want)
	}
}

// TestStatusLAN: "lan" says, on every request, what Config.LAN says now,
// with interfaces a list even when there is none; without Config.LAN the
// field is left out.
func TestStatusLAN(t *testing.T) {
	hub := newHub(t, &fakeSource{fps: 30})
	s := startServer(t, Config{Hub: hub})
	if st, raw := getStatus(t, s.Addr()); st.LAN != nil || bytes.Contains(raw, []byte(`"lan"`)) {
		t.Errorf("without Config.LAN: %s", raw)
	}

	var mu sync.Mutex
	now := LANStatus{Message: "No network interface other than loopback is up: other lancams cannot find this one."}
	s = startServer(t, Config{Hub: hub, LAN: func() LANStatus { mu.Lock(); defer mu.Unlock(); return now }})
	st, raw := getStatus(t, s.Addr())
	if !bytes.Contains(raw, []byte(`"lan":{"interfaces_up":false,"interfaces":[],"message":"No network interface other than loopback is up: other lancams cannot find this one."}`)) {
		t.Errorf("no LAN interface: %s", raw)
	}
	if st.ID != "" || st.Source.Kind != "test" {
		t.Errorf("other fields changed: %s", raw)
	}
	mu.Lock()
	now = LANStatus{InterfacesUp: true, Interfaces: []string{"eth0"}, Message: "Network interface up: eth0."}
	mu.Unlock()
	st, raw = getStatus(t, s.Addr())
	if st.LAN == nil || !st.LAN.InterfacesUp || !slices.Equal(st.LAN.Interfaces, []string{"eth0"}) || st.LAN.Message != "Network interface up: eth0." {
		t.Errorf("eth0 up: %s", raw)
	}
}

// TestPeers checks /peers: an empty list without a Peers function, else the
// function's document as it is.
func TestPeers(t *testing.T) {
	hub := newHub(t, &fakeSource{fps: 30})
	type doc struct {
		Self  string            `json:"self"`
		Peers []json.RawMessage `json:"peers"`
	}
	for _, tc := range []struct {
		name  string
		peers func() any
		want  doc
	}{
		{"without discovery", nil, doc{Peers: []json.RawMessage{}}},
		{"with peers", func() any {
			return map[string]any{"self": "me", "peers": []any{map[string]string{"id": "a"}, map[string]string{"id": "b"}}}
		}, doc{Self: "me", Peers: []json.RawMessage{json.RawMessage(`{"id":"a"}`), json.RawMessage(`{"id":"b"}`)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{Hub: hub, Logger: discardLog, Peers: tc.peers})
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/peers", nil))
			if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Cache-Control") == "" {
				t.Fatalf("GET /peers: %d %v", rec.Code, rec.Header())
			}
			var got doc
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("%v: %s", err, rec.Body)
			}
			if got.Peers == nil {
				t.Fatalf("peers is null, want a list: %s", rec.Body)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("GET /peers = %s, want %+v", rec.Body, tc.want)
			}
		})
	}
}
