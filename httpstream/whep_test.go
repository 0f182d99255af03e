package httpstream

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"

	"lancam/camera"
	"lancam/camera/h264"
	"lancam/internal/testenv"
)

// whepFeed is a camera with a moving test pattern and an H.264 stream
// through the machine's default encoder.
func whepFeed(t *testing.T, name string, w, h int) Feed {
	t.Helper()
	src, err := camera.NewTestPattern(camera.TestPatternConfig{Width: w, Height: h, FPS: 30, Quality: 80})
	if err != nil {
		t.Fatal(err)
	}
	hub := newHub(t, src)
	hs := h264.NewStream(h264.StreamConfig{Hub: hub, Logger: discardLog,
		NewEncoder: func(c h264.Config) (h264.Encoder, error) { return h264.New("auto", c) }})
	t.Cleanup(hs.Close)
	return Feed{Name: name, Hub: hub, H264: hs}
}

// whepViewer is a WebRTC viewer made with pion, the way a WHEP player
// (OBS, ffmpeg, a browser) does it: a recvonly H.264 offer, POSTed.
type whepViewer struct {
	pc       *webrtc.PeerConnection
	session  string
	mu       sync.Mutex
	pictures [][]byte // Annex-B access units as received
	got      chan struct{}
	wg       sync.WaitGroup
}

// newWHEPOffer makes a viewer's peer connection and its complete offer;
// mime is the one codec it offers to receive.
func newWHEPOffer(t *testing.T, mime string) (*whepViewer, string) {
	t.Helper()
	m := &webrtc.MediaEngine{}
	fmtp := ""
	if mime == webrtc.MimeTypeH264 {
		fmtp = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{PayloadType: 96,
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mime, ClockRate: 90000, SDPFmtpLine: fmtp}}, webrtc.RTPCodecTypeVideo); err != nil {
		t.Fatal(err)
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	v := &whepViewer{pc: pc, got: make(chan struct{}, 1)}
	t.Cleanup(v.close)
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		v.wg.Add(1)
		defer v.wg.Done()
		sb := samplebuilder.New(128, &codecs.H264Packet{}, 90000)
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			sb.Push(p)
			for s := sb.Pop(); s != nil; s = sb.Pop() {
				v.mu.Lock()
				v.pictures = append(v.pictures, s.Data)
				v.mu.Unlock()
				select {
				case v.got <- struct{}{}:
				default:
				}
			}
		}
	})
	gathered := webrtc.GatheringCompletePromise(pc)
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	return v, pc.LocalDescription().SDP
}

func (v *whepViewer) close() {
	v.pc.Close()
	v.wg.Wait()
}

// waitPictures waits until n pictures arrived.
func (v *whepViewer) waitPictures(t *testing.T, n int, timeout time.Duration) [][]byte {
	t.Helper()
	deadline := time.After(timeout)
	for {
		v.mu.Lock()
		have := len(v.pictures)
		out := v.pictures
		v.mu.Unlock()
		if have >= n {
			return out
		}
		select {
		case <-v.got:
		case <-deadline:
			t.Fatalf("got %d pictures in %v, want %d", have, timeout, n)
		}
	}
}

// postOffer sends a WHEP offer and returns the answer.
func postOffer(t *testing.T, url, contentType, sdp string, user, pass string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(sdp))
	req.Header.Set("Content-Type", contentType)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	res, err := testClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// play posts v's offer and applies the answer.
func (v *whepViewer) play(t *testing.T, base, path, offer string) {
	t.Helper()
	res := postOffer(t, base+path, "application/sdp", offer, "", "")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated || res.Header.Get("Content-Type") != "application/sdp" {
		t.Fatalf("POST %s: %s %q: %s", path, res.Status, res.Header.Get("Content-Type"), body)
	}
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, path+"/") {
		t.Fatalf("Location %q, want a session below %s", loc, path)
	}
	v.session = base + loc
	if err := v.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(body)}); err != nil {
		t.Fatalf("the answer: %v\n%s", err, body)
	}
}

// whepStatus is what the WHEP tests read of /status.
type whepStatus struct {
	WebRTC  string `json:"webrtc"`
	Clients []struct {
		Protocol string `json:"protocol"`
		Sent     uint64 `json:"sent"`
	} `json:"clients"`
}

func statusAt(t *testing.T, url string) whepStatus {
	t.Helper()
	res, err := testClient().Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st whepStatus
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestWHEPPlays plays a camera over WebRTC with a pion viewer: the answer,
// H.264 pictures that ffprobe decodes at the camera's size, the viewer in
// /status, and DELETE ending it and the encoder.
func TestWHEPPlays(t *testing.T) {
	for _, tc := range []struct{ name, path string }{{"first camera", "/whep"}, {"second camera", "/cam/yard/whep"}} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, Config{Feeds: []Feed{whepFeed(t, "main", 320, 240), whepFeed(t, "yard", 320, 240)}})
			base := "http://" + s.Addr()
			v, offer := newWHEPOffer(t, webrtc.MimeTypeH264)
			v.play(t, base, tc.path, offer)
			pics := v.waitPictures(t, 45, 10*time.Second)
			if types := h264.NALTypes(pics[0]); !containsAll(types, 7, 8, 5) {
				t.Errorf("first picture has NAL types %v, want SPS, PPS and IDR", types)
			}
			var all bytes.Buffer
			for _, p := range pics {
				all.Write(p)
			}
			probeH264(t, all.Bytes(), 320, 240, len(pics))

			shape, _ := getStatus(t, s.Addr()) // the documented shape, strictly
			cam := 0
			if tc.path != "/whep" {
				cam = 1
			}
			if h := shape.Streams[cam].H264; h == nil || h.Encoder == "" || h.Viewers != 1 || shape.Streams[cam].WebRTC != tc.path || shape.WebRTC != "/whep" {
				t.Errorf("/status lacks the H.264 encoder, its viewer or the WHEP paths: %+v %+v", h, shape)
			}
			st := statusAt(t, base+strings.TrimSuffix(tc.path, "whep")+"status")
			if st.WebRTC != tc.path {
				t.Errorf("status webrtc %q, want %q", st.WebRTC, tc.path)
			}
			if len(st.Clients) != 1 || st.Clients[0].Protocol != "webrtc" || st.Clients[0].Sent < 45 {
				t.Errorf("status clients %+v, want one webrtc viewer with 45+ pictures sent", st.Clients)
			}
			req, _ := http.NewRequest(http.MethodDelete, v.session, nil)
			res, err := testClient().Do(req)
			if err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("DELETE session: %v %v", err, res)
			}
			res.Body.Close()
			if n := len(statusAt(t, base+"/status").Clients); n != 0 {
				t.Errorf("%d viewers after DELETE, want 0", n)
			}
			waitFor(t, 5*time.Second, "the encoder to stop", func() bool {
				for _, f := range s.feeds {
					if f.H264.Stats().Viewers != 0 {
						return false
					}
				}
				return true
			})
		})
	}
}

func containsAll(have []int, want ...int) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

// probeH264 has ffprobe decode the stream: H.264 of the right size, with
// every picture decodable.
func probeH264(t *testing.T, annexB []byte, w, h, n int) {
	t.Helper()
	testenv.Tool(t, "ffprobe")
	f := filepath.Join(t.TempDir(), "got.h264")
	if err := os.WriteFile(f, annexB, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json", f).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	var doc struct {
		Streams []struct {
			Codec  string `json:"codec_name"`
			Width  int    `json:"width"`
			Height int    `json:"height"`
			Frames string `json:"nb_read_frames"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &doc); err != nil || len(doc.Streams) != 1 {
		t.Fatalf("ffprobe said %s (%v)", out, err)
	}
	st := doc.Streams[0]
	if st.Codec != "h264" || st.Width != w || st.Height != h || st.Frames != itoa(n) {
		t.Errorf("ffprobe: %s %dx%d %s frames, want h264 %dx%d %d frames", st.Codec, st.Width, st.Height, st.Frames, w, h, n)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestWHEPRefusals: every bad request gets a clear 4xx (or 503) and
// starts nothing.
func TestWHEPRefusals(t *testing.T) {
	auth := NewBasicAuth("lancam", "pw")
	s := startServer(t, Config{Feeds: []Feed{whepFeed(t, "main", 160, 120), {Name: "plain", Hub: newHub(t, &fakeSource{fps: 5})}},
		MaxWebRTC: 1, Auth: auth})
	base := "http://" + s.Addr()
	_, h264Offer := newWHEPOffer(t, webrtc.MimeTypeH264)
	_, vp8Offer := newWHEPOffer(t, webrtc.MimeTypeVP8)
	for _, tc := range []struct {
		name, method, path, ctype, body string
		noAuth                          bool
		want                            int
	}{
		{"no password", "POST", "/whep", "application/sdp", h264Offer, true, 401},
		{"GET", "GET", "/whep", "", "", false, 405},
		{"wrong type", "POST", "/whep", "text/plain", h264Offer, false, 415},
		{"not SDP", "POST", "/whep", "application/sdp", "hello", false, 400},
		{"broken SDP", "POST", "/whep", "application/sdp", "v=0\r\nm=video x\r\n", false, 400},
		{"VP8 only", "POST", "/whep", "application/sdp", vp8Offer, false, 406},
		{"too big", "POST", "/whep", "application/sdp", "v=0\r\n" + strings.Repeat("a=x\r\n", 20000), false, 413},
		{"camera without H.264", "POST", "/cam/plain/whep", "application/sdp", h264Offer, false, 404},
		{"unknown session", "DELETE", "/whep/0123", "", "", false, 404},
		{"trickle", "PATCH", "/whep/0123", "application/trickle-ice-sdpfrag", "a=x", false, 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			if !tc.noAuth {
				req.SetBasicAuth("lancam", "pw")
			}
			res, err := testClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.want {
				t.Fatalf("%s %s: %s %q, want %d", tc.method, tc.path, res.Status, body, tc.want)
			}
		})
	}
	if n := s.feeds[0].H264.Stats().Viewers; n != 0 {
		t.Fatalf("%d H.264 viewers after refused offers", n)
	}

	// One viewer is allowed; the second is told to come back (503).
	res := postOffer(t, base+"/whep", "application/sdp", h264Offer, "lancam", "pw")
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("first offer: %s", res.Status)
	}
	_, other := newWHEPOffer(t, webrtc.MimeTypeH264)
	if res := postOffer(t, base+"/whep", "application/sdp", other, "lancam", "pw"); res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("second offer with -max-webrtc 1: %s", res.Status)
	}
}

// TestWHEPSwitchOffAndStop: switching the camera off and stopping the
// server end its WebRTC viewers (the viewer's connection closes).
func TestWHEPSwitchOffAndStop(t *testing.T) {
	for _, how := range []string{"switch off", "stop"} {
		t.Run(how, func(t *testing.T) {
			srv := New(Config{Addr: "127.0.0.1:0", Feeds: []Feed{whepFeed(t, "main", 160, 120)}, Logger: discardLog})
			if err := srv.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer srv.Stop()
			v, offer := newWHEPOffer(t, webrtc.MimeTypeH264)
			closed := make(chan struct{})
			var once sync.Once
			v.pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
				if st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed || st == webrtc.PeerConnectionStateDisconnected {
					once.Do(func() { close(closed) })
				}
			})
			v.play(t, "http://"+srv.Addr(), "/whep", offer)
			v.waitPictures(t, 5, 10*time.Second)
			if how == "stop" {
				srv.Stop()
			} else {
				srv.SetFeedOn("main", false)
				res := postOffer(t, "http://"+srv.Addr()+"/whep", "application/sdp", offer, "", "")
				if res.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("offer to a switched-off camera: %s, want 503", res.Status)
				}
			}
			if n := srv.feeds[0].H264.Stats().Viewers; n != 0 {
				t.Errorf("%d H.264 viewers left", n)
			}
			select {
			case <-closed:
			case <-time.After(15 * time.Second):
				t.Fatal("the viewer's connection did not end")
			}
		})
	}
}
