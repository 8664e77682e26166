package media

import (
	"github.com/pion/rtcp"
)

// rtcpIn is the reader goroutine's scratch for the clients' SRTCP, reused
// so that a report costs no allocation once the first has been seen.
type rtcpIn struct {
	rtcpHdr rtcp.Header // scratch for DecryptRTCP
	sr      rtcp.SenderReport
}

// rtcp handles one SRTCP datagram from l's client. Its reports are read
// for one thing: the sender report of the microphone, whose NTP time and
// arrival the receiver reports echo (LSR, DLSR) so the client can measure
// the round trip. Nothing is ever forwarded to another leg — each leg's
// reports describe its own transport, and the SFU terminates them.
// Anything that does not decrypt (forged, replayed, before the handshake)
// or is not a valid compound packet is counted and dropped.
func (rd *reader) rtcp(l *Leg, b []byte) {
	rx := l.rx.Load()
	if rx == nil {
		l.counters.rtcpDropped.Add(1)
		return
	}
	dec, err := rx.DecryptRTCP(rd.dec[:], b, &rd.rtcpHdr)
	if err != nil || !rd.readCompound(l, dec) {
		l.counters.rtcpDropped.Add(1)
		return
	}
	l.counters.rtcpReceived.Add(1)
}

// readCompound walks a decrypted compound packet with RFC 3550 A.2's
// validity checks (version 2, a sender or receiver report first, padding
// only in the last packet, lengths that add up to the datagram) and
// records the microphone's sender report — only once the whole packet
// passed, so that a refused packet changes nothing (FuzzRTCPIngress found
// an SR recorded from a datagram refused for a trailing byte). Reduced-size
// RTCP (RFC 5506) is not negotiated, so a compound packet is all a client
// may send.
func (rd *reader) readCompound(l *Leg, b []byte) bool {
	mic := l.micSSRC.Load()
	var micNTP uint64
	micSR := false
	for first := true; len(b) > 0; first = false {
		h := &rd.rtcpHdr
		if err := h.Unmarshal(b); err != nil {
			return false
		}
		n := (int(h.Length) + 1) * 4
		switch {
		case n > len(b):
			return false
		case first && h.Type != rtcp.TypeSenderReport && h.Type != rtcp.TypeReceiverReport:
			return false
		case h.Padding && n != len(b):
			return false
		}
		if h.Type == rtcp.TypeSenderReport {
			// Reports keeps its capacity: after the first report this
			// allocates nothing.
			rd.sr.Reports = rd.sr.Reports[:0]
			if err := rd.sr.Unmarshal(b[:n]); err != nil {
				return false
			}
			if mic != 0 && rd.sr.SSRC == mic {
				micNTP, micSR = rd.sr.NTPTime, true
			}
		}
		b = b[n:]
	}
	if micSR {
		l.mic.recordSR(micNTP, rd.now)
	}
	return true
}
