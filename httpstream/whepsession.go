package httpstream

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"lancam/camera"
	"lancam/camera/h264"
)

// whepConnectTimeout is how long a new WebRTC viewer has to connect after
// its offer was answered; a page closed in between must not keep an
// encoder running.
const whepConnectTimeout = 15 * time.Second

// whepSession is one WebRTC viewer: a peer connection fed from the
// camera's H.264 stream by one goroutine, which owns and ends it.
type whepSession struct {
	id     string
	feed   *feed
	addr   string
	since  time.Time
	pc     *webrtc.PeerConnection
	track  *webrtc.TrackLocalStaticSample
	sender *webrtc.RTPSender
	viewer atomic.Pointer[h264.Viewer] // set once connected
	sent   atomic.Uint64

	connected chan struct{}   // closed when ICE and DTLS are up
	ctx       context.Context // ends the session: DELETE, switch-off, Stop, or the peer gone
	cancel    context.CancelFunc
	done      chan struct{} // closed when run returned

	mu    sync.Mutex
	meter camera.RateMeter
}

// watchState follows the connection so run learns when the viewer connects
// and when it is gone (page closed, network lost: pion's ICE timeouts).
func (ss *whepSession) watchState() {
	var once sync.Once
	ss.pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			once.Do(func() { close(ss.connected) })
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			ss.cancel()
		}
	})
}

// run feeds the viewer until the session's context ends, then closes the
// peer connection and waits for its RTCP reader.
func (ss *whepSession) run(s *Server) {
	ctx := ss.ctx
	defer close(ss.done)
	rtcpDone := make(chan struct{})
	go func() { defer close(rtcpDone); ss.readRTCP() }()
	defer func() {
		if v := ss.viewer.Load(); v != nil {
			v.Close()
		}
		ss.pc.Close() // ends readRTCP
		<-rtcpDone
		s.dropWHEP(ss)
		s.log.Info("webrtc viewer left", "camera", ss.feed.Name, "addr", ss.addr, "frames", ss.sent.Load())
	}()
	t := time.NewTimer(whepConnectTimeout)
	select {
	case <-ss.connected:
		t.Stop()
		// Only now: a viewer subscribed before it reads would overflow its
		// queue and make the encoder send key pictures to everyone.
		ss.viewer.Store(ss.feed.H264.Subscribe())
	case <-t.C:
		s.log.Info("webrtc viewer never connected", "camera", ss.feed.Name, "addr", ss.addr)
		return
	case <-ctx.Done():
		t.Stop()
		return
	}
	var last time.Time
	for {
		au, err := ss.viewer.Load().Next(ctx)
		if err != nil {
			return
		}
		if err := ss.track.WriteSample(media.Sample{Data: au.Data, Duration: sampleDuration(last, au.Captured)}); err != nil {
			if !errors.Is(err, context.Canceled) {
				s.log.Debug("webrtc write", "err", err)
			}
			return
		}
		last = au.Captured
		ss.sent.Add(1)
		ss.mu.Lock()
		ss.meter.Tick(time.Now())
		ss.mu.Unlock()
	}
}

// sampleDuration is the time since the previous picture, which advances
// the RTP clock so the browser shows pictures at the camera's pace.
func sampleDuration(prev, cur time.Time) time.Duration {
	if prev.IsZero() {
		return time.Second / 30
	}
	return min(max(cur.Sub(prev), time.Millisecond), time.Second)
}

// readRTCP reads the viewer's reports, which also runs pion's interceptors
// (NACK, reports); a lost-picture report asks the encoder for an IDR.
func (ss *whepSession) readRTCP() {
	for {
		pkts, _, err := ss.sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				ss.feed.H264.WantKey()
			}
		}
	}
}

// info describes the session for /status.
func (ss *whepSession) info(now time.Time) ClientInfo {
	ss.mu.Lock()
	fps := ss.meter.Rate(now)
	ss.mu.Unlock()
	ci := ClientInfo{Address: ss.addr, FPS: fps, Sent: ss.sent.Load(), Since: ss.since, Camera: ss.feed.Name, Protocol: "webrtc"}
	if v := ss.viewer.Load(); v != nil {
		ci.Dropped = v.Dropped()
	}
	return ci
}

// closeWHEP ends the sessions of f (every camera when f is nil) and waits
// for them.
func (s *Server) closeWHEP(f *feed) {
	s.mu.Lock()
	var list []*whepSession
	for _, ss := range s.whep {
		if f == nil || ss.feed == f {
			list = append(list, ss)
		}
	}
	s.mu.Unlock()
	for _, ss := range list {
		ss.cancel()
		<-ss.done
	}
}

// dropWHEP forgets a finished session.
func (s *Server) dropWHEP(ss *whepSession) {
	s.mu.Lock()
	delete(s.whep, ss.id)
	s.mu.Unlock()
}

// deleteWHEP ends the session of a DELETE on its resource URL.
func (s *Server) deleteWHEP(w http.ResponseWriter, f *feed, id string) {
	s.mu.Lock()
	ss := s.whep[id]
	s.mu.Unlock()
	if ss == nil || ss.feed != f {
		http.Error(w, "no such WebRTC session", http.StatusNotFound)
		return
	}
	ss.cancel()
	<-ss.done
	w.WriteHeader(http.StatusOK)
}
