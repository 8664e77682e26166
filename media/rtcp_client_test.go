package media

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/earshot/earshot/media/mediatest"
)

// answerSSRCs returns the slot SSRCs and the CNAME an answer declares.
func answerSSRCs(t *testing.T, answer string) ([]uint32, string) {
	t.Helper()
	var (
		ssrcs []uint32
		cname string
	)
	for _, line := range strings.Split(answer, "\r\n") {
		v, ok := strings.CutPrefix(line, "a=ssrc:")
		if !ok {
			continue
		}
		id, attr, _ := strings.Cut(v, " ")
		if c, ok := strings.CutPrefix(attr, "cname:"); ok {
			n, err := strconv.ParseUint(id, 10, 32)
			if err != nil {
				t.Fatal(err)
			}
			ssrcs = append(ssrcs, uint32(n))
			cname = c
		}
	}
	return ssrcs, cname
}

// slotOf returns the SSRC of the slot of c that carries speaker.
func slotOf(c *mediatest.Client, speaker string) uint32 {
	for _, s := range c.SlotStats() {
		if s.Speakers[speaker] > 0 {
			return s.SSRC
		}
	}
	return 0
}

// TestRTCPWithClients: two pion clients that hear each other get sender
// reports for the slots they receive — the slots' SSRCs, the packets they
// were sent — and reception reports for their microphones, and the SFU
// reads their reports without forwarding any.
func TestRTCPWithClients(t *testing.T) {
	s := newTestSFU(t, testConfig())
	g := s.NewGroup("rtcp")
	clients := map[LegID]*mediatest.Client{}
	legs := map[LegID]*Leg{}
	for _, id := range []LegID{"A", "B"} {
		clients[id] = newTestClient(t, string(id), 3)
		legs[id] = join(t, g, id, clients[id], nil)
		clients[id].StartSending()
	}
	if err := g.SetRoutes([]Route{{"A", "B"}, {"B", "A"}}); err != nil {
		t.Fatal(err)
	}
	waitMore(t, clients["A"], "B", 10)
	waitMore(t, clients["B"], "A", 10)

	for _, pair := range [][2]LegID{{"A", "B"}, {"B", "A"}} {
		me, other := pair[0], pair[1]
		c := clients[me]
		ssrcs, cname := answerSSRCs(t, legs[me].Answer())
		t.Run(fmt.Sprintf("%s gets sender reports for its slot", me), func(t *testing.T) {
			slot := slotOf(c, string(other))
			if !slices.Contains(ssrcs, slot) {
				t.Fatalf("slot SSRC %d not in the answer's %v", slot, ssrcs)
			}
			eventually(t, flowDeadline, "sender report", func() error {
				sr, ok := c.SenderReport(slot)
				if !ok || sr.Count < 2 {
					return fmt.Errorf("no second sender report for %d yet (%+v)", slot, sr)
				}
				r := sr.Report
				// The counts were taken at most a few packets before the
				// client's, on loopback under -race: half a second.
				if d := int64(sr.ReceivedAtArrival) - int64(r.PacketCount); d < -25 || d > 25 {
					return fmt.Errorf("SR says %d packets, client had %d", r.PacketCount, sr.ReceivedAtArrival)
				}
				if r.OctetCount != r.PacketCount*mediatest.PayloadSize {
					return fmt.Errorf("SR octets %d for %d packets", r.OctetCount, r.PacketCount)
				}
				if d := int32(r.RTPTime - sr.LastTimestamp); d < -opusClockRate/2 || d > opusClockRate/2 {
					return fmt.Errorf("SR RTP time %d, last packet %d", r.RTPTime, sr.LastTimestamp)
				}
				if sr.CNAME != cname || cname == "" {
					return fmt.Errorf("CNAME %q, answer says %q", sr.CNAME, cname)
				}
				return nil
			})
			for _, ssrc := range c.SenderReportSSRCs() {
				if !slices.Contains(ssrcs, ssrc) {
					t.Fatalf("sender report for %d, not one of this leg's slots %v", ssrc, ssrcs)
				}
			}
		})
		t.Run(fmt.Sprintf("%s gets reception reports for its microphone", me), func(t *testing.T) {
			eventually(t, flowDeadline, "reception report", func() error {
				rr, ok := c.MicReport()
				switch {
				case !ok:
					return fmt.Errorf("none for mic %d", c.MicSSRC())
				case rr.LastSequenceNumber == 0 || rr.TotalLost != 0:
					return fmt.Errorf("report %+v", rr)
				case rr.LastSenderReport == 0 || rr.Delay > 5<<16:
					// pion's client sends a sender report every second.
					return fmt.Errorf("no LSR/DLSR yet: %+v", rr)
				}
				return nil
			})
		})
	}
	t.Run("the SFU reads the clients' reports", func(t *testing.T) {
		eventually(t, flowDeadline, "rtcp counted", func() error {
			for id, l := range legs {
				if st := l.Stats(); st.RTCPReceived == 0 || st.RTCPDropped != 0 || st.RTCPSent < 2 {
					return fmt.Errorf("%s stats %+v", id, st)
				}
			}
			return nil
		})
		for id, c := range clients {
			if _, malformed := c.RTCPPackets(); malformed != 0 {
				t.Fatalf("%s got %d malformed RTCP packets", id, malformed)
			}
		}
		if st := s.Stats(); st.RTCPSent == 0 || st.RTCPReceived == 0 {
			t.Fatalf("sfu stats %+v", st)
		}
	})
}
