package media

import (
	"log/slog"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// reportLeg is a leg with three slots as the reporter sees it, without a
// transport: slot 0 has sent 10 packets of 80 bytes, the others nothing.
func reportLeg(t *testing.T, at time.Time) *Leg {
	t.Helper()
	l := &Leg{id: "R", log: slog.New(slog.DiscardHandler), cname: "cname-of-R"}
	for i := range 3 {
		l.slots = append(l.slots, &slot{ssrc: uint32(100 + i), munger: newMunger(1, 5000)})
	}
	s := l.slots[0]
	s.munger.update(7, 123, 9, at) // the first packet: written with timestamp 5000
	s.sentPackets.Store(10)
	s.sentOctets.Store(800)
	return l
}

func parseReport(t *testing.T, b []byte) []rtcp.Packet {
	t.Helper()
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		t.Fatalf("unmarshal own report: %v", err)
	}
	return pkts
}

func TestBuildReport(t *testing.T) {
	at := time.Unix(1_700_000_000, 0)
	now := at.Add(100 * time.Millisecond)

	t.Run("nothing to report", func(t *testing.T) {
		l := &Leg{id: "E", log: slog.New(slog.DiscardHandler), slots: []*slot{{ssrc: 1}}}
		if _, ok := l.buildReport(now); ok {
			t.Fatal("a report with no sender and no microphone")
		}
	})

	t.Run("SR per sending slot, mic block, CNAME", func(t *testing.T) {
		l := reportLeg(t, at)
		l.micSSRC.Store(42)
		l.mic.update(1, 0, at)
		b, ok := l.buildReport(now)
		if !ok {
			t.Fatal("no report")
		}
		pkts := parseReport(t, b)
		if len(pkts) != 2 {
			t.Fatalf("%d packets, want SR + SDES: %v", len(pkts), pkts)
		}
		sr, ok := pkts[0].(*rtcp.SenderReport)
		if !ok {
			t.Fatalf("first packet %T", pkts[0])
		}
		if sr.SSRC != 100 || sr.PacketCount != 10 || sr.OctetCount != 800 || sr.NTPTime != ntpTime(now) {
			t.Fatalf("sender report %+v", sr)
		}
		// 100 ms after the packet stamped 5000: 4800 ticks later.
		if sr.RTPTime != 5000+4800 {
			t.Fatalf("rtp time %d, want %d", sr.RTPTime, 5000+4800)
		}
		if len(sr.Reports) != 1 || sr.Reports[0].SSRC != 42 || sr.Reports[0].LastSequenceNumber != 1 {
			t.Fatalf("reception reports %+v", sr.Reports)
		}
		sdes, ok := pkts[1].(*rtcp.SourceDescription)
		if !ok || len(sdes.Chunks) != 1 || sdes.Chunks[0].Source != 100 ||
			sdes.Chunks[0].Items[0].Type != rtcp.SDESCNAME || sdes.Chunks[0].Items[0].Text != "cname-of-R" {
			t.Fatalf("sdes %+v", pkts[1])
		}
	})

	t.Run("a quiet slot stops being a sender", func(t *testing.T) {
		l := reportLeg(t, at)
		l.micSSRC.Store(42)
		l.mic.update(1, 0, at)
		for i, wantSR := range []bool{true, true, false} {
			b, ok := l.buildReport(now.Add(time.Duration(i) * time.Second))
			if !ok {
				t.Fatalf("report %d: none", i)
			}
			pkts := parseReport(t, b)
			_, isSR := pkts[0].(*rtcp.SenderReport)
			if isSR != wantSR {
				t.Fatalf("report %d: first packet %T", i, pkts[0])
			}
			if !wantSR {
				rr := pkts[0].(*rtcp.ReceiverReport)
				if rr.SSRC != 100 || len(rr.Reports) != 1 || rr.Reports[0].SSRC != 42 {
					t.Fatalf("receiver report %+v", rr)
				}
				if sdes := pkts[1].(*rtcp.SourceDescription); sdes.Chunks[0].Source != 100 {
					t.Fatalf("sdes %+v", sdes)
				}
			}
		}
	})

	t.Run("two senders", func(t *testing.T) {
		l := reportLeg(t, at)
		s := l.slots[2]
		s.munger.update(1, 1, 9, at)
		s.sentPackets.Store(3)
		b, _ := l.buildReport(now)
		pkts := parseReport(t, b)
		if len(pkts) != 3 || pkts[0].(*rtcp.SenderReport).SSRC != 100 || pkts[1].(*rtcp.SenderReport).SSRC != 102 {
			t.Fatalf("packets %v", pkts)
		}
		if sdes := pkts[2].(*rtcp.SourceDescription); len(sdes.Chunks) != 2 {
			t.Fatalf("sdes %+v", sdes)
		}
	})
}
