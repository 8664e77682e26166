package mediatest

import (
	"github.com/pion/rtcp"
)

// SenderReportSeen is the last RTCP sender report the client got for one
// SSRC, with what the client had received on that stream when it arrived,
// so tests can compare the sender's counts with the receiver's.
type SenderReportSeen struct {
	// Report is the sender report as received.
	Report rtcp.SenderReport
	// Count is the number of sender reports received for this SSRC. A
	// compound packet reaches every stream it names, so one report may
	// be counted more than once.
	Count uint64
	// ReceivedAtArrival is the number of RTP packets the slot with this
	// SSRC had received when the report arrived; LastTimestamp the RTP
	// timestamp of the last of them.
	ReceivedAtArrival uint64
	LastTimestamp     uint32
	// CNAME is the last SDES CNAME received for this SSRC ("" if none).
	// pion hands each stream the packets that name it, so the SDES of a
	// compound packet may be read apart from its SR.
	CNAME string
}

// rtcpState is what the client recorded of the RTCP it received.
type rtcpState struct {
	packets   uint64
	malformed uint64
	srs       map[uint32]SenderReportSeen
	// reports are the last reception report blocks received, by the SSRC
	// they report on (the client's microphone, for an SFU).
	reports map[uint32]rtcp.ReceptionReport
	cnames  map[uint32]string
}

// recordRTCP records one compound RTCP packet read from a sender or a
// receiver (after pion's interceptors saw it).
func (c *Client) recordRTCP(b []byte) {
	pkts, err := rtcp.Unmarshal(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	st := &c.rtcp
	if st.srs == nil {
		st.srs = make(map[uint32]SenderReportSeen)
		st.reports = make(map[uint32]rtcp.ReceptionReport)
		st.cnames = make(map[uint32]string)
	}
	if err != nil {
		st.malformed++
		return
	}
	st.packets++
	for _, p := range pkts {
		if sd, ok := p.(*rtcp.SourceDescription); ok {
			for _, ch := range sd.Chunks {
				for _, it := range ch.Items {
					if it.Type == rtcp.SDESCNAME {
						st.cnames[ch.Source] = it.Text
					}
				}
			}
		}
	}
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			seen := SenderReportSeen{Report: *p, Count: st.srs[p.SSRC].Count + 1}
			for _, s := range c.slots {
				if s.Packets > 0 && s.SSRC == p.SSRC {
					seen.ReceivedAtArrival, seen.LastTimestamp = s.Packets, s.lastTS
				}
			}
			st.srs[p.SSRC] = seen
			for _, rr := range p.Reports {
				st.reports[rr.SSRC] = rr
			}
		case *rtcp.ReceiverReport:
			for _, rr := range p.Reports {
				st.reports[rr.SSRC] = rr
			}
		}
	}
}

// SenderReport returns the last sender report received for ssrc.
func (c *Client) SenderReport(ssrc uint32) (SenderReportSeen, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.rtcp.srs[ssrc]
	s.CNAME = c.rtcp.cnames[ssrc]
	return s, ok
}

// MicReport returns the last reception report block received about the
// client's own microphone: what the other end says of the path to it.
func (c *Client) MicReport() (rtcp.ReceptionReport, bool) {
	ssrc := c.MicSSRC()
	c.mu.Lock()
	defer c.mu.Unlock()
	rr, ok := c.rtcp.reports[ssrc]
	return rr, ok
}

// MicSSRC returns the SSRC of the client's microphone.
func (c *Client) MicSSRC() uint32 {
	enc := c.micSender.GetParameters().Encodings
	if len(enc) == 0 {
		return 0
	}
	return uint32(enc[0].SSRC)
}

// RTCPPackets returns how many RTCP packets the client read (a compound
// packet naming several of its streams counts once per stream) and how
// many of them did not parse.
func (c *Client) RTCPPackets() (packets, malformed uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rtcp.packets, c.rtcp.malformed
}

// SenderReportSSRCs returns the SSRCs the client received sender reports
// for, in no particular order.
func (c *Client) SenderReportSSRCs() []uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]uint32, 0, len(c.rtcp.srs))
	for ssrc := range c.rtcp.srs {
		out = append(out, ssrc)
	}
	return out
}
