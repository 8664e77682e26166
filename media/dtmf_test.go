package media

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/earshot/earshot/media/mediatest"
)

// event builds an RFC 4733 payload: event, E bit, volume 10, duration.
func event(e byte, end bool, duration uint16) []byte {
	flags := byte(10)
	if end {
		flags |= 0x80
	}
	return []byte{e, flags, byte(duration >> 8), byte(duration)}
}

// TestDTMFDecoder feeds the packet sequences senders produce and checks one
// digit per key press.
func TestDTMFDecoder(t *testing.T) {
	type pkt struct {
		ts      uint32
		payload []byte
	}
	press := func(ts uint32, e byte) []pkt {
		// Start, two updates, the end sent three times (RFC 4733 2.5.1.4).
		return []pkt{{ts, event(e, false, 960)}, {ts, event(e, false, 1920)}, {ts, event(e, false, 2880)},
			{ts, event(e, true, 3840)}, {ts, event(e, true, 3840)}, {ts, event(e, true, 3840)}}
	}
	cases := []struct {
		name string
		pkts []pkt
		want string
	}{
		{"one press", press(1000, 1), "1"},
		{"every key", func() []pkt {
			var ps []pkt
			for e := range byte(16) {
				ps = append(ps, press(1000+uint32(e)*10000, e)...)
			}
			return ps
		}(), "0123456789*#ABCD"},
		{"same key twice", append(press(1000, 5), press(20000, 5)...), "55"},
		{"start lost", press(1000, 11)[3:], "#"},
		{"end lost", press(1000, 2)[:3], ""},
		{"timestamp wraps", append(press(0xffffff00, 3), press(0x100, 4)...), "34"},
		{"late end of an older event", append(append(press(1000, 7), press(20000, 8)...), pkt{1000, event(7, true, 3840)}), "78"},
		{"not a key (RFC 4734 tone)", []pkt{{1000, event(32, true, 960)}}, ""},
		{"short payload", []pkt{{1000, []byte{1, 0x80, 0}}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d dtmfDecoder
			var got []byte
			for _, p := range c.pkts {
				if digit, ok := d.packet(p.ts, p.payload); ok {
					got = append(got, digit)
				}
			}
			if string(got) != c.want {
				t.Fatalf("digits %q, want %q", got, c.want)
			}
		})
	}
}

// TestDigitQueueFull drops into the counter instead of blocking the reader.
func TestDigitQueueFull(t *testing.T) {
	q := newDigitQueue(2, nil)
	l := &Leg{id: "a"}
	for range 5 {
		q.offer(l, '1')
	}
	if q.dropped.Load() != 3 || len(q.ch) != 2 {
		t.Fatalf("dropped %d queued %d, want 3 and 2", q.dropped.Load(), len(q.ch))
	}
}

func TestIsDigit(t *testing.T) {
	for _, r := range "0123456789*#ABCD" {
		if !IsDigit(r) {
			t.Errorf("%q is a digit", r)
		}
	}
	for _, r := range "aE+ x" {
		if IsDigit(r) {
			t.Errorf("%q is not a digit", r)
		}
	}
}

// digitLog collects OnDigit calls per leg.
type digitLog struct {
	mu     sync.Mutex
	digits map[LegID]string
}

func (d *digitLog) onDigit(id LegID, r rune) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.digits[id] += string(r)
}

func (d *digitLog) get(id LegID) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.digits[id]
}

// TestDTMFFromClients: pion clients press keys the way browsers do. Each
// key reaches OnDigit exactly once, for the leg that pressed it; no
// telephone-event packet reaches any listener or any recording, while the
// audio around the key presses is still forwarded.
func TestDTMFFromClients(t *testing.T) {
	s := newTestSFU(t, testConfig())
	g := s.NewGroup("dtmf")
	digits := &digitLog{digits: map[LegID]string{}}
	clients := map[LegID]*mediatest.Client{}
	for _, id := range []LegID{"A", "B", "C"} {
		c := newTestClient(t, string(id), 3)
		clients[id] = c
		ctx, cancel := context.WithTimeout(context.Background(), connectDeadline)
		offer, err := c.Offer(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(offer, "telephone-event/48000") {
			t.Fatalf("the client offers no telephone-event/48000:\n%s", offer)
		}
		l, err := g.AddLeg(ctx, LegParams{ID: id, Offer: offer, OnDigit: digits.onDigit})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(l.Answer(), "a=rtpmap:101 telephone-event/48000\r\n") {
			t.Fatalf("answer without telephone-event:\n%s", l.Answer())
		}
		if err := c.SetAnswer(l.Answer()); err != nil {
			t.Fatal(err)
		}
		if err := c.WaitConnected(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
	}
	// A and B talk; C hears both (a listening supervisor); nobody hears C.
	if err := g.SetRoutes([]Route{{"A", "B"}, {"B", "A"}, {"C", "A"}, {"C", "B"}}); err != nil {
		t.Fatal(err)
	}
	if err := g.StartRecording(RecordingParams{Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		c.StartSending()
	}
	waitMore(t, clients["B"], "A", 10)

	ctx, cancel := context.WithTimeout(context.Background(), flowDeadline)
	defer cancel()
	var wg sync.WaitGroup
	sendErr := make(chan error, 3)
	for id, keys := range map[LegID]string{"A": "4111#*09", "B": "77", "C": "*8"} {
		wg.Go(func() { sendErr <- clients[id].SendDigits(ctx, keys) })
	}
	wg.Wait()
	close(sendErr)
	for err := range sendErr {
		if err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, flowDeadline, "digits reported", func() error {
		if a, b, c := digits.get("A"), digits.get("B"), digits.get("C"); a != "4111#*09" || b != "77" || c != "*8" {
			return fmt.Errorf("A %q B %q C %q", a, b, c)
		}
		return nil
	})
	// Audio goes on after the keys.
	waitMore(t, clients["B"], "A", 10)
	waitMore(t, clients["C"], "B", 10)
	for id, c := range clients {
		if got := c.ReceivedAll(); got[""] != 0 {
			t.Errorf("%s received %d packets that are not a speaker's audio: %v", id, got[""], got)
		}
	}
	files, err := g.StopRecording()
	if err != nil {
		t.Fatal(err)
	}
	for _, rf := range files {
		if rf.Leg == "C" {
			continue // nobody heard C: nothing recorded
		}
		tagged, _ := readRecorded(t, rf) // fails on any payload that is not audio
		for _, p := range tagged {
			if speaker, _, _, _ := p.Tagged(); speaker != string(rf.Leg) {
				t.Fatalf("%s holds %q", rf.Name, speaker)
			}
		}
	}
	st := s.Stats()
	// Each key is 8 packets; all of them were taken out before routing.
	if st.DTMFDigits != 12 || st.DTMFDropped != 0 || st.DTMFPackets < 12*8 {
		t.Fatalf("stats %+v", st)
	}
	// A digit never repeats in a report, even after more packets.
	if a := digits.get("A"); a != "4111#*09" {
		t.Fatalf("A %q", a)
	}
}

// BenchmarkDTMFPacket measures a telephone-event packet on the reader:
// decode, and for the end packet queue the digit (drained here as the
// delivery goroutine would). It must not allocate.
func BenchmarkDTMFPacket(b *testing.B) {
	q := newDigitQueue(DefaultDigitQueue, nil)
	l := &Leg{id: "a"}
	var d dtmfDecoder
	tone, end := event(5, false, 960), event(5, true, 3840)
	ts := uint32(0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := tone
		if i%8 >= 5 {
			p = end
		}
		if i%8 == 0 {
			ts += 10000
		}
		if digit, ok := d.packet(ts, p); ok {
			q.offer(l, digit)
			<-q.ch
		}
	}
}
