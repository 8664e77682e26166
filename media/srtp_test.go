package media

import (
	"testing"

	"github.com/pion/rtcp"
)

// TestReceiveContextRefusesReplays: a client's packet captured on the path
// and sent again is dropped, not forwarded again (found by FuzzRTPIngress;
// pion/srtp has no replay protection unless asked). A late packet within
// the window still counts once (the munger then drops it as out of date).
func TestReceiveContextRefusesReplays(t *testing.T) {
	r := newReadRig(t, srtpReceiveOptions()...)
	first, late, next := r.packet(t, 100, 42), r.packet(t, 90, 42), r.packet(t, 101, 42)
	for _, step := range []struct {
		name                string
		pkt                 []byte
		received, forwarded uint64
	}{
		{"first", first, 1, 2},
		{"the same again", first, 1, 2},
		{"late, within the window", late, 2, 2},
		{"late one again", late, 2, 2},
		{"next", next, 3, 4},
		{"first a third time", first, 3, 4},
	} {
		r.rd.handle(append([]byte(nil), step.pkt...), r.from)
		r.rd.out.batch.flush()
		if st := r.speaker.Stats(); st.Received != step.received || st.Forwarded != step.forwarded {
			t.Fatalf("%s: stats %+v, want %d received, %d forwarded", step.name, st, step.received, step.forwarded)
		}
	}
	report := r.rtcpPacket(t, marshalRTCP(t, &rtcp.ReceiverReport{SSRC: 42}))
	for range 2 {
		r.rd.handle(append([]byte(nil), report...), r.from)
	}
	if st := r.speaker.Stats(); st.RTCPReceived != 1 || st.RTCPDropped != 1 {
		t.Fatalf("a replayed report: stats %+v", st)
	}
}

// TestReplayProtectedReadPathAllocatesNothing: replay protection keeps the
// hot path at zero allocations per packet.
func TestReplayProtectedReadPathAllocatesNothing(t *testing.T) {
	r := newReadRig(t, srtpReceiveOptions()...)
	const runs = 500
	pkts := make([][]byte, runs+2) // AllocsPerRun warms up once; one to learn the SSRC
	for i := range pkts {
		pkts[i] = r.packet(t, uint16(i+1), 42)
	}
	r.rd.handle(pkts[0], r.from)
	i := 1
	allocs := testing.AllocsPerRun(runs, func() {
		r.rd.handle(pkts[i], r.from)
		r.rd.out.batch.flush()
		i++
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per packet", allocs)
	}
	if st := r.speaker.Stats(); st.Received != runs+2 {
		t.Fatalf("stats %+v", st)
	}
}
