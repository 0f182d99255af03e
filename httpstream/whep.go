package httpstream

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
)

// DefaultMaxWebRTC is used when Config.MaxWebRTC is 0: each WebRTC viewer
// costs packetizing and SRTP work, and a Pi's Wi-Fi carries about this many
// 720p H.264 viewers.
const DefaultMaxWebRTC = 20

// maxOfferBytes bounds an SDP offer; browsers send 3-8 KB.
const maxOfferBytes = 64 << 10

// whepGatherTimeout bounds waiting for our own candidates; host candidates
// take milliseconds, so this only matters when interfaces misbehave.
const whepGatherTimeout = 3 * time.Second

// whepPath is a camera's WHEP endpoint below its prefix; sessions live at
// whepPath + "/" + id.
const whepPath = "whep"

// serveWHEP answers a WHEP offer (RFC 9725): POST application/sdp with a
// recvonly H.264 video offer; 201 with the SDP answer, complete with our
// candidates (no trickle), and the session's URL in Location for DELETE.
func (s *Server) serveWHEP(w http.ResponseWriter, r *http.Request, f *feed, id string) {
	if id != "" {
		switch r.Method {
		case http.MethodDelete:
			s.deleteWHEP(w, f, id)
		default: // PATCH (trickle ICE, ICE restart) is not supported
			w.Header().Set("Allow", "DELETE")
			http.Error(w, "a WebRTC session answers DELETE only (no trickle ICE: the answer carries every candidate)", http.StatusMethodNotAllowed)
		}
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "WHEP answers POST with an SDP offer", http.StatusMethodNotAllowed)
		return
	}
	if f.H264 == nil || s.webrtc == nil {
		http.Error(w, "this camera offers no WebRTC (H.264 is off)", http.StatusNotFound)
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/sdp" {
		http.Error(w, "want Content-Type application/sdp (a WHEP offer)", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOfferBytes))
	if err != nil {
		http.Error(w, "offer larger than 64 KB", http.StatusRequestEntityTooLarge)
		return
	}
	if !strings.HasPrefix(string(body), "v=0") {
		http.Error(w, "the body is not an SDP offer", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	full := len(s.whep) >= s.maxWebRTC
	s.mu.Unlock()
	if full { // checked again in addWHEP; this spares the negotiation
		w.Header().Set("Retry-After", retryAfter)
		http.Error(w, errWHEPFull, http.StatusServiceUnavailable)
		return
	}
	ss, answer, code, err := s.newWHEPSession(r.Context(), f, string(body), r.RemoteAddr)
	if err != nil {
		http.Error(w, oneLine(err.Error()), code)
		return
	}
	if why := s.addWHEP(ss); why != "" {
		ss.cancel()
		ss.pc.Close()
		w.Header().Set("Retry-After", retryAfter)
		http.Error(w, why, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", r.URL.Path+"/"+ss.id)
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, answer)
	s.log.Info("webrtc viewer", "camera", f.Name, "addr", ss.addr, "session", ss.id)
}

// newWHEPSession negotiates a peer connection for offer; on failure it
// returns the HTTP status to answer.
func (s *Server) newWHEPSession(ctx context.Context, f *feed, offer, addr string) (*whepSession, string, int, error) {
	pc, err := s.webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, "", http.StatusInternalServerError, err
	}
	fail := func(code int, err error) (*whepSession, string, int, error) {
		pc.Close()
		return nil, "", code, err
	}
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264}, "video", "lancam-"+f.Name)
	if err != nil {
		return fail(http.StatusInternalServerError, err)
	}
	sender, err := pc.AddTrack(track)
	if err != nil {
		return fail(http.StatusInternalServerError, err)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fail(http.StatusBadRequest, errors.New("bad SDP offer: "+err.Error()))
	}
	if len(sender.GetParameters().Codecs) == 0 {
		return fail(http.StatusNotAcceptable, errors.New("the offer has no H.264 video (packetization-mode 1) to receive"))
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail(http.StatusBadRequest, errors.New("cannot answer the offer: "+err.Error()))
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return fail(http.StatusInternalServerError, err)
	}
	t := time.NewTimer(whepGatherTimeout)
	defer t.Stop()
	select {
	case <-gathered:
	case <-t.C:
	case <-ctx.Done():
		return fail(http.StatusServiceUnavailable, ctx.Err())
	}
	ss := &whepSession{id: newSessionID(), feed: f, addr: addr, since: time.Now(), pc: pc, track: track,
		sender: sender, connected: make(chan struct{}), done: make(chan struct{})}
	ss.ctx, ss.cancel = context.WithCancel(context.Background())
	ss.watchState()
	return ss, pc.LocalDescription().SDP, 0, nil
}

// addWHEP registers ss and starts its goroutine, which Stop (or the
// camera's switch, or DELETE) ends and waits for. It refuses when the
// camera was switched off while the offer was being answered: checked
// under the lock closeWHEP takes, so no session slips past the switch.
// It answers why it refused, "" when it took ss.
func (s *Server) addWHEP(ss *whepSession) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case ss.feed.off.Load():
		return "camera " + ss.feed.Name + " is switched off in lancam"
	case len(s.whep) >= s.maxWebRTC:
		return errWHEPFull
	}
	s.whep[ss.id] = ss
	go ss.run(s)
	return ""
}

// errWHEPFull answers an offer beyond Config.MaxWebRTC.
const errWHEPFull = "too many WebRTC viewers; try again later or use the MJPEG stream"

// newSessionID names a WebRTC session's URL; unguessable, so that only the
// viewer that made it can end it.
func newSessionID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
