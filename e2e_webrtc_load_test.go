package main

// WebRTC viewers next to a full house of MJPEG viewers: both kinds share
// one camera, and H.264 must not cost the MJPEG viewers their frame rate.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"

	"lancam/camera/h264"
	"lancam/httpstream"
	"lancam/internal/testenv"
)

// TestE2EWebRTCWithMJPEGLoad proves that WebRTC viewers cost MJPEG viewers
// nothing they would notice: 50 MJPEG viewers of a 640x360 30 fps camera
// keep at least 90 % of the frame rate they had alone (and at least 25 fps)
// once 10 WebRTC viewers join, while every WebRTC viewer gets at least 25
// H.264 pictures a second that ffprobe decodes, starting with SPS, PPS and
// an IDR picture. /status lists all 60 with their protocol and the encoder's
// 10 viewers, and the encoder stops once the WebRTC viewers said goodbye
// (DELETE) while the MJPEG viewers go on.
//
// Not parallel: like the hostile tests it compares frame rates measured in
// two windows a few seconds apart, and the package's parallel tests (720p
// encoders, Chromium) starting between them would skew one window and not
// the other. Run in the package's sequential phase, it competes with them
// in neither.
func TestE2EWebRTCWithMJPEGLoad(t *testing.T) {
	ffprobe := testenv.Tool(t, "ffprobe")
	const (
		nMJPEG  = 50
		nWebRTC = 10
		window  = 4 * time.Second
		minFPS  = 25
		keep    = 0.9 // of the MJPEG rate alone that must remain
	)
	l := startLancam(t, "-source", "test", "-size", "640x360", "-fps", "30", "-max-clients", "100")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	client := &http.Client{Transport: &http.Transport{}} // not the default one: its connections end with the test
	mjpeg := make([]*mjpegTally, nMJPEG)
	for i := range mjpeg {
		mjpeg[i] = startMJPEGTally(ctx, client, l.url("/stream.mjpg"))
	}
	defer func() {
		cancel()
		for _, v := range mjpeg {
			<-v.done
		}
	}()
	// The test source starts with the first viewer; 10 frames each means
	// every viewer is in and the camera runs at its pace.
	waitArrivals(t, "10 frames at every MJPEG viewer", 10*time.Second, 10, mjpegArrivals(mjpeg)...)

	from := time.Now()
	time.Sleep(window) // the measuring window: rates need elapsed time
	alone := make([]float64, nMJPEG)
	for i, v := range mjpeg {
		alone[i], _ = v.rate(from, time.Now())
	}
	t.Logf("%d MJPEG viewers alone, %v: %s fps each", nMJPEG, window, fpsSpread(alone))

	webrtcAt := time.Now()
	players := make([]*whepPlayer, nWebRTC)
	for i := range players {
		players[i] = newWHEPPlayer(t, l.url("/whep"))
	}
	defer func() {
		for _, p := range players {
			p.close()
		}
	}()
	waitArrivals(t, "10 pictures at every WebRTC viewer", 15*time.Second, 10, playerArrivals(players)...)
	t.Logf("%d WebRTC viewers connected and playing %v after the first offer", nWebRTC, time.Since(webrtcAt).Round(time.Millisecond))

	from = time.Now()
	time.Sleep(window)
	to := time.Now()
	with := make([]float64, nMJPEG)
	for i, v := range mjpeg {
		with[i], _ = v.rate(from, to)
	}
	rtcFPS := make([]float64, nWebRTC)
	for i, p := range players {
		rtcFPS[i], _ = p.rate(from, to)
	}
	t.Logf("%d MJPEG viewers with %d WebRTC viewers, %v: %s fps each", nMJPEG, nWebRTC, window, fpsSpread(with))
	t.Logf("%d WebRTC viewers next to them: %s pictures/s each", nWebRTC, fpsSpread(rtcFPS))
	for i := range mjpeg {
		if err := mjpeg[i].failure(); err != nil {
			t.Errorf("MJPEG viewer %d: %v", i, err)
		}
		if with[i] < keep*alone[i] || with[i] < minFPS {
			t.Errorf("MJPEG viewer %d: %.2f fps with WebRTC viewers, %.2f alone: want >= %.0f %% of that and >= %d",
				i, with[i], alone[i], keep*100, minFPS)
		}
	}
	for i, f := range rtcFPS {
		if f < minFPS {
			t.Errorf("WebRTC viewer %d: %.2f pictures/s, want >= %d", i, f, minFPS)
		}
	}

	st := getWebRTCStatus(t, l)
	protocols := map[string]int{}
	var rtcSent []uint64
	for _, c := range st.Clients {
		protocols[c.Protocol]++
		if c.Protocol == "webrtc" {
			rtcSent = append(rtcSent, c.Sent)
		}
	}
	if protocols["mjpeg"] != nMJPEG || protocols["webrtc"] != nWebRTC || len(st.Clients) != nMJPEG+nWebRTC {
		t.Errorf("/status lists clients by protocol %v, want %d mjpeg and %d webrtc", protocols, nMJPEG, nWebRTC)
	}
	if len(st.Streams) == 0 || st.Streams[0].H264 == nil {
		t.Fatalf("/status has no streams[0].h264: %+v", st.Streams)
	}
	h := st.Streams[0].H264
	t.Logf("/status: webrtc %q; H.264 encoder %s, %d viewers, %d pictures, %d bytes (%.0f per picture); pictures sent to the WebRTC viewers %v",
		st.WebRTC, h.Encoder, h.Viewers, h.Frames, h.Bytes, float64(h.Bytes)/float64(max(h.Frames, 1)), rtcSent)
	if h.Viewers != nWebRTC || st.WebRTC != "/whep" {
		t.Errorf("/status: webrtc %q and %d H.264 viewers, want /whep and %d", st.WebRTC, h.Viewers, nWebRTC)
	}

	// Goodbye as a WHEP player says it: DELETE answers once the session is
	// gone.
	for i, p := range players {
		if err := p.hangUp(); err != nil {
			t.Errorf("WebRTC viewer %d: %v", i, err)
		}
	}
	st = getWebRTCStatus(t, l)
	if n := st.Streams[0].H264.Viewers; n != 0 {
		t.Errorf("%d H.264 viewers after every session was deleted, want 0", n)
	}
	if n := len(st.Clients); n != nMJPEG {
		t.Errorf("/status lists %d clients after the WebRTC viewers left, want the %d MJPEG viewers", n, nMJPEG)
	}
	// The encoder stopped if it makes no more pictures while the camera
	// (still watched over MJPEG) delivers 10 more frames; one picture may
	// have been on its way.
	frames := st.Streams[0].H264.Frames
	waitArrivals(t, "10 more MJPEG frames", 5*time.Second, mjpeg[0].count()+10, &mjpeg[0].arrivals)
	if later := getWebRTCStatus(t, l).Streams[0].H264.Frames; later > frames+1 {
		t.Errorf("the H.264 encoder made %d pictures after its last viewer left: it still runs", later-frames)
	}

	// Every picture every WebRTC viewer got must decode, in order, as one
	// H.264 stream.
	var decoded, idrs []int
	for i, p := range players {
		pics, lost := p.received()
		if len(pics) == 0 {
			t.Errorf("WebRTC viewer %d got no picture", i)
			continue
		}
		if types := h264.NALTypes(pics[0]); !slices.Contains(types, 7) || !slices.Contains(types, 8) || !slices.Contains(types, 5) {
			t.Errorf("WebRTC viewer %d: the first picture has NAL unit types %v, want SPS (7), PPS (8) and IDR (5)", i, types)
		}
		idr := 0
		for _, pic := range pics {
			if slices.Contains(h264.NALTypes(pic), 5) {
				idr++
			}
		}
		idrs = append(idrs, idr)
		n, err := probeH264Frames(t, ffprobe, filepath.Join(t.TempDir(), fmt.Sprintf("viewer%d.h264", i)), pics)
		decoded = append(decoded, n)
		switch {
		case err != nil:
			t.Errorf("WebRTC viewer %d (%d pictures, %d packets lost): %v", i, len(pics), lost, err)
		case n != len(pics):
			t.Errorf("WebRTC viewer %d: ffprobe decoded %d of its %d pictures (%d packets lost)", i, n, len(pics), lost)
		}
	}
	t.Logf("pictures each WebRTC viewer got, all decoded by ffprobe: %v; IDR pictures among them: %v", decoded, idrs)
}

// arrivals records when each picture of one viewer arrived.
type arrivals struct {
	mu    sync.Mutex
	times []time.Time
}

func (a *arrivals) add(at time.Time) {
	a.mu.Lock()
	a.times = append(a.times, at)
	a.mu.Unlock()
}

// count is how many pictures arrived so far.
func (a *arrivals) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.times)
}

// rate is the picture rate between from and to, from the arrival times of
// the pictures in between (n of them): the span from the first to the last
// holds n-1 intervals, so the window's edges cost no rounding.
func (a *arrivals) rate(from, to time.Time) (fps float64, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var first, last time.Time
	for _, at := range a.times {
		if at.Before(from) || at.After(to) {
			continue
		}
		if n == 0 {
			first = at
		}
		last, n = at, n+1
	}
	if n < 2 {
		return 0, n
	}
	return float64(n-1) / last.Sub(first).Seconds(), n
}

// waitArrivals waits until every one of as has counted n pictures.
func waitArrivals(t *testing.T, what string, timeout time.Duration, n int, as ...*arrivals) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		fewest := -1
		for _, a := range as {
			if c := a.count(); fewest < 0 || c < fewest {
				fewest = c
			}
		}
		if fewest >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s: the slowest viewer has %d", timeout, what, fewest)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fpsSpread summarises rates as min/median/max.
func fpsSpread(fps []float64) string {
	s := slices.Clone(fps)
	slices.Sort(s)
	return fmt.Sprintf("min %.2f, median %.2f, max %.2f", s[0], s[len(s)/2], s[len(s)-1])
}

// mjpegTally is one MJPEG viewer in the test process that notes when each
// frame arrived. It reads with httpstream's part reader, the one lancam
// uses for cameras that send MJPEG over HTTP.
type mjpegTally struct {
	arrivals
	done chan struct{} // closed when the stream ended
	err  error         // why it ended before ctx did; read after done
}

// startMJPEGTally connects to url and counts frames until ctx ends.
func startMJPEGTally(ctx context.Context, client *http.Client, url string) *mjpegTally {
	v := &mjpegTally{done: make(chan struct{})}
	go func() {
		defer close(v.done)
		if err := v.read(ctx, client, url); ctx.Err() == nil {
			v.err = err
		}
	}()
	return v
}

func (v *mjpegTally) read(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	pr := httpstream.NewPartReader(resp.Body, params["boundary"], httpstream.PartReaderConfig{})
	for {
		if _, err := pr.Next(); err != nil {
			return fmt.Errorf("after %d frames: %w", v.count(), err)
		}
		v.add(time.Now())
	}
}

// failure is why the stream ended early, nil while it runs or if it only
// ended because the test hung up.
func (v *mjpegTally) failure() error {
	select {
	case <-v.done:
		return v.err
	default:
		return nil
	}
}

func mjpegArrivals(vs []*mjpegTally) []*arrivals {
	out := make([]*arrivals, len(vs))
	for i, v := range vs {
		out[i] = &v.arrivals
	}
	return out
}

// whepPlayer is a WebRTC viewer in the test process (pion), made the way a
// browser makes one: a recvonly video offer with every codec it can
// receive, NACK and receiver reports, POSTed to the WHEP URL. It only uses
// the loopback interface. Each H.264 picture it puts together is kept.
type whepPlayer struct {
	arrivals
	pc      *webrtc.PeerConnection
	session string // the session's URL, from Location

	picMu    sync.Mutex // guards what follows
	pictures [][]byte   // Annex-B access units, in order
	lost     int        // RTP packets given up on
	closed   bool
	readers  sync.WaitGroup // the track reader, once the track arrived
}

// newWHEPPlayer connects a player to the WHEP endpoint url; it is closed at
// the end of the test.
func newWHEPPlayer(t *testing.T, url string) *whepPlayer {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		t.Fatal(err)
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	// Nothing of the test goes onto the machine's real network, not even
	// mDNS queries (lancam's candidates are plain addresses anyway).
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)).
		NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	p := &whepPlayer{pc: pc}
	t.Cleanup(p.close)
	pc.OnTrack(p.onTrack)
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	offer, err := pc.CreateOffer(nil)
	if err == nil {
		err = pc.SetLocalDescription(offer)
	}
	if err != nil {
		t.Fatal(err)
	}
	<-gathered // WHEP without trickle: the offer carries our candidates

	resp, err := (&http.Client{Timeout: 10 * time.Second}).Post(url, "application/sdp", strings.NewReader(pc.LocalDescription().SDP))
	if err != nil {
		t.Fatal(err)
	}
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated || resp.Header.Get("Content-Type") != "application/sdp" {
		t.Fatalf("POST %s: %s %q %v: %s", url, resp.Status, resp.Header.Get("Content-Type"), err, answer)
	}
	loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if err != nil || resp.Header.Get("Location") == "" {
		t.Fatalf("POST %s: Location %q: %v", url, resp.Header.Get("Location"), err)
	}
	p.session = loc.String()
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}); err != nil {
		t.Fatalf("the answer: %v\n%s", err, answer)
	}
	return p
}

// onTrack reads the track's RTP until the connection closes and puts the
// packets together into pictures.
func (p *whepPlayer) onTrack(track *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	// close waits for this reader; one that starts after close began must
	// not run at all.
	p.picMu.Lock()
	if p.closed {
		p.picMu.Unlock()
		return
	}
	p.readers.Add(1)
	p.picMu.Unlock()
	defer p.readers.Done()

	sb := samplebuilder.New(256, &codecs.H264Packet{}, track.Codec().ClockRate)
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		sb.Push(pkt)
		for s := sb.Pop(); s != nil; s = sb.Pop() {
			p.picMu.Lock()
			p.pictures = append(p.pictures, s.Data)
			p.lost += int(s.PrevDroppedPackets)
			p.picMu.Unlock()
			p.add(time.Now())
		}
	}
}

// received is every picture so far and how many packets were given up on.
func (p *whepPlayer) received() ([][]byte, int) {
	p.picMu.Lock()
	defer p.picMu.Unlock()
	return slices.Clone(p.pictures), p.lost
}

// hangUp ends the session as a WHEP player does: DELETE on its URL (which
// lancam answers once the session is gone), then closing the connection.
func (p *whepPlayer) hangUp() error {
	req, err := http.NewRequest(http.MethodDelete, p.session, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("DELETE %s: %w", p.session, err)
	}
	resp.Body.Close()
	p.close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("DELETE %s: %s", p.session, resp.Status)
	}
	return nil
}

// close closes the connection and waits for the track reader.
func (p *whepPlayer) close() {
	p.picMu.Lock()
	p.closed = true
	p.picMu.Unlock()
	p.pc.Close()
	p.readers.Wait()
}

func playerArrivals(ps []*whepPlayer) []*arrivals {
	out := make([]*arrivals, len(ps))
	for i, p := range ps {
		out[i] = &p.arrivals
	}
	return out
}

// probeH264Frames writes pictures to file as one Annex-B stream and has
// ffprobe decode every one: it returns how many decoded, and an error if
// ffprobe failed or complained about any.
func probeH264Frames(t *testing.T, ffprobe, file string, pictures [][]byte) (int, error) {
	t.Helper()
	var all []byte
	for _, p := range pictures {
		all = append(all, p...)
	}
	if err := os.WriteFile(file, all, 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runTool(t, ffprobe, "-v", "error", "-f", "h264", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "json", file)
	if err != nil || stderr != "" {
		return 0, fmt.Errorf("ffprobe: %v %s", err, stderr)
	}
	var doc struct {
		Streams []struct {
			Frames int `json:"nb_read_frames,string"`
		} `json:"streams"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Streams) != 1 {
		return 0, fmt.Errorf("ffprobe said %s (%v)", out, err)
	}
	return doc.Streams[0].Frames, nil
}

// webrtcStatus is what the WebRTC tests read of /status.
type webrtcStatus struct {
	WebRTC  string `json:"webrtc"`
	Clients []struct {
		Address  string  `json:"address"`
		Protocol string  `json:"protocol"`
		FPS      float64 `json:"fps"`
		Sent     uint64  `json:"sent"`
	} `json:"clients"`
	Streams []struct {
		H264 *struct {
			Encoder string `json:"encoder"`
			Viewers int    `json:"viewers"`
			Frames  uint64 `json:"frames"`
			Bytes   uint64 `json:"bytes"`
		} `json:"h264"`
	} `json:"streams"`
}

// getWebRTCStatus fetches and decodes /status.
func getWebRTCStatus(t *testing.T, l *lancam) webrtcStatus {
	t.Helper()
	resp, body := httpGet(t, l.url("/status"))
	var st webrtcStatus
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/status: %s", resp.Status)
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("/status: %v\n%s", err, body)
	}
	return st
}
