package media

import (
	"testing"
	"time"
)

// feedSeqs gives st the packets seqs, one every 20 ms from t0 with timestamps
// that match (no jitter), and returns the time of the last one.
func feedSeqs(st *recvStats, t0 time.Time, seqs ...uint16) time.Time {
	now := t0
	for _, seq := range seqs {
		// The timestamp follows the sequence number, as a sender's would.
		ts := uint32(seq) * opusFrameTicks
		now = t0.Add(time.Duration(seq) * 20 * time.Millisecond)
		st.update(seq, ts, now)
	}
	return now
}

// seqRun returns the sequence numbers from..from+n-1 (wrapping), minus skip.
func seqRun(from uint16, n int, skip map[uint16]bool) []uint16 {
	var out []uint16
	for i := range n {
		seq := from + uint16(i)
		if !skip[seq] {
			out = append(out, seq)
		}
	}
	return out
}

func TestReceptionReport(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	t.Run("no packet, no report", func(t *testing.T) {
		var st recvStats
		var rep recvReporter
		if _, ok := rep.block(&st, 42, t0); ok {
			t.Fatal("report before any packet")
		}
	})
	t.Run("in order, no loss, no jitter", func(t *testing.T) {
		var st recvStats
		var rep recvReporter
		now := feedSeqs(&st, t0, seqRun(100, 100, nil)...)
		rr, ok := rep.block(&st, 42, now)
		if !ok || rr.SSRC != 42 || rr.TotalLost != 0 || rr.FractionLost != 0 || rr.LastSequenceNumber != 199 || rr.Jitter != 0 {
			t.Fatalf("report %+v", rr)
		}
		if rr.LastSenderReport != 0 || rr.Delay != 0 {
			t.Fatalf("LSR/DLSR without a sender report: %+v", rr)
		}
	})
	t.Run("loss, then a clean interval", func(t *testing.T) {
		var st recvStats
		var rep recvReporter
		skip := map[uint16]bool{}
		for s := uint16(5); s < 100; s += 10 {
			skip[s] = true // 10 of 100
		}
		now := feedSeqs(&st, t0, seqRun(0, 100, skip)...)
		rr, _ := rep.block(&st, 42, now)
		if rr.TotalLost != 10 || rr.FractionLost != 10*256/100 || rr.LastSequenceNumber != 99 {
			t.Fatalf("lossy interval %+v", rr)
		}
		now = feedSeqs(&st, t0, seqRun(100, 50, nil)...)
		rr, _ = rep.block(&st, 42, now)
		if rr.TotalLost != 10 || rr.FractionLost != 0 || rr.LastSequenceNumber != 149 {
			t.Fatalf("clean interval %+v", rr)
		}
	})
	t.Run("wraparound with loss", func(t *testing.T) {
		var st recvStats
		var rep recvReporter
		skip := map[uint16]bool{65535: true, 0: true, 1: true}
		// 65500 .. 65535, 0 .. 63: the counter wraps once.
		seqs := seqRun(65500, 100, skip)
		now := t0
		for i, seq := range seqs {
			now = t0.Add(time.Duration(i) * 20 * time.Millisecond)
			st.update(seq, uint32(i)*opusFrameTicks, now)
		}
		rr, _ := rep.block(&st, 42, now)
		if rr.LastSequenceNumber != 1<<16+63 || rr.TotalLost != 3 {
			t.Fatalf("report %+v", rr)
		}
	})
	t.Run("reordering is not loss", func(t *testing.T) {
		var st recvStats
		var rep recvReporter
		now := feedSeqs(&st, t0, 1, 2, 4, 3, 5, 6)
		rr, _ := rep.block(&st, 42, now)
		if rr.TotalLost != 0 || rr.LastSequenceNumber != 6 {
			t.Fatalf("report %+v", rr)
		}
	})
	t.Run("a stray jump is ignored, a restart is followed", func(t *testing.T) {
		var st recvStats
		var rep recvReporter
		feedSeqs(&st, t0, seqRun(10, 10, nil)...) // 10..19
		st.update(40000, 0, t0.Add(390*time.Millisecond))
		st.update(20, 20*opusFrameTicks, t0.Add(400*time.Millisecond))
		rr, _ := rep.block(&st, 42, t0.Add(time.Second))
		if rr.LastSequenceNumber != 20 || rr.TotalLost != 0 {
			t.Fatalf("after a stray packet %+v", rr)
		}
		// Two in a row far away: the source restarted its numbering.
		st.update(30000, 0, t0.Add(2*time.Second))
		st.update(30001, opusFrameTicks, t0.Add(2*time.Second+20*time.Millisecond))
		st.update(30003, 3*opusFrameTicks, t0.Add(2*time.Second+60*time.Millisecond))
		rr, _ = rep.block(&st, 42, t0.Add(3*time.Second))
		// RFC 3550 A.1 counts from the packet that confirmed the restart
		// (30001): 3 expected, 2 received.
		if rr.LastSequenceNumber != 30003 || rr.TotalLost != 1 || rr.FractionLost != 256/3 || rr.Jitter > opusFrameTicks {
			t.Fatalf("after a restart %+v", rr)
		}
	})
	t.Run("jitter", func(t *testing.T) {
		var st recvStats
		var rep recvReporter
		// Every other packet arrives 10 ms late: each transit difference
		// is 10 ms = 480 ticks, and the estimate converges to it.
		now := t0
		for i := range 500 {
			now = t0.Add(time.Duration(i) * 20 * time.Millisecond)
			if i%2 == 1 {
				now = now.Add(10 * time.Millisecond)
			}
			st.update(uint16(i), uint32(i)*opusFrameTicks, now)
		}
		rr, _ := rep.block(&st, 42, now)
		if rr.Jitter < 470 || rr.Jitter > 480 {
			t.Fatalf("jitter %d, want about 480", rr.Jitter)
		}
	})
	t.Run("LSR and DLSR", func(t *testing.T) {
		var st recvStats
		var rep recvReporter
		feedSeqs(&st, t0, 1, 2)
		srNTP := uint64(0x0123456789abcdef)
		st.recordSR(srNTP, t0)
		rr, _ := rep.block(&st, 42, t0.Add(500*time.Millisecond))
		if rr.LastSenderReport != 0x456789ab {
			t.Fatalf("LSR %#x", rr.LastSenderReport)
		}
		if d := int(rr.Delay) - 1<<15; d < -1 || d > 1 {
			t.Fatalf("DLSR %d, want %d (0.5 s)", rr.Delay, 1<<15)
		}
	})
}

func TestNTPTime(t *testing.T) {
	// 2024-01-01T00:00:00.5Z is 3913056000.5 s after 1900.
	ntp := ntpTime(time.Date(2024, 1, 1, 0, 0, 0, 500_000_000, time.UTC))
	if ntp>>32 != 3913056000 || uint32(ntp) != 1<<31 {
		t.Fatalf("ntp %#x", ntp)
	}
	sec := uint32(3913056000)
	if m := ntpMiddle(time.Date(2024, 1, 1, 0, 0, 0, 500_000_000, time.UTC)); m != sec<<16|1<<15 {
		t.Fatalf("middle %#x", m)
	}
}
