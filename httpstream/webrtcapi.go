package httpstream

import (
	"fmt"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// h264Fmtp are the H.264 formats offered: packetization mode 1 (pictures
// split over packets, as every browser sends it) in constrained baseline,
// which all encoders lancam uses write and every WebRTC decoder reads.
var h264Fmtp = []string{
	"level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
	"level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
}

// h264Feedback is what the viewer may ask of us: NACK so a lost packet on
// Wi-Fi is sent again, PLI/FIR so a viewer that lost a picture gets a key
// picture at once.
var h264Feedback = []webrtc.RTCPFeedback{
	{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}, {Type: "goog-remb"},
}

// newWebRTCAPI builds pion's API for WHEP viewers: H.264 video only, and
// host candidates only — viewers are on the LAN, so no STUN or TURN server
// is asked and nothing leaves the LAN. Loopback is included for clients
// on the Pi itself (WHEP players, tests); browsers there use the Pi's LAN
// address, and on a Pi with no network at all the page shows MJPEG.
// Candidates of other hosts that
// browsers hide behind mDNS names are not looked up: the viewer's checks
// reach us first and tell its address (peer-reflexive), and no second mDNS
// responder competes with discovery's.
func newWebRTCAPI() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	for i, fmtp := range h264Fmtp {
		err := m.RegisterCodec(webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
				SDPFmtpLine: fmtp, RTCPFeedback: h264Feedback},
			PayloadType: webrtc.PayloadType(102 + 2*i),
		}, webrtc.RTPCodecTypeVideo)
		if err != nil {
			return nil, fmt.Errorf("webrtc: registering H.264: %w", err)
		}
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, fmt.Errorf("webrtc: interceptors: %w", err)
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(se)), nil
}
