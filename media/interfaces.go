package media

import (
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// rtpWriter is what a slot writes to. In production it is the slot's
// *webrtc.TrackLocalStaticRTP, which stamps the negotiated SSRC and payload
// type; benchmarks bind that same track type to a discarding writer.
type rtpWriter interface {
	WriteRTP(p *rtp.Packet) error
}

// packetReader is the ingress a receiver reads RTP from (the microphone's
// *webrtc.TrackRemote), and also what RTCP is drained from (RTPSender and
// RTPReceiver share the same Read shape).
type packetReader interface {
	Read(b []byte) (int, interceptor.Attributes, error)
}

var (
	_ rtpWriter    = (*webrtc.TrackLocalStaticRTP)(nil)
	_ packetReader = (*webrtc.TrackRemote)(nil)
	_ packetReader = (*webrtc.RTPSender)(nil)
	_ packetReader = (*webrtc.RTPReceiver)(nil)
)
