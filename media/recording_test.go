package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/earshot/earshot/media/mediatest"
)

// recFeed offers one tagged packet of speaker to f, arriving at `at`.
func recFeed(r *recorder, f *legFile, speaker string, seq uint32, ts uint32, at time.Time) {
	pkt := rtp.Packet{Header: rtp.Header{Timestamp: ts}, Payload: mediatest.EncodePayload(nil, speaker, seq, at)}
	r.offer(f, &pkt, at)
}

// finishFile closes f on the writer goroutine.
func finishFile(r *recorder, f *legFile) RecordedFile {
	var rf RecordedFile
	r.do(func() { rf = f.finish() })
	return rf
}

// readRecorded parses a recorded file, checks its size and SHA-256 against
// what the recorder reported, and splits its packets into tagged ones and
// silence (anything else fails the test).
func readRecorded(t *testing.T, rf RecordedFile) (tagged, silence []mediatest.OggPacket) {
	t.Helper()
	raw, err := os.ReadFile(rf.Path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if int64(len(raw)) != rf.Bytes || hex.EncodeToString(sum[:]) != rf.SHA256 {
		t.Fatalf("%s: reported %d bytes %s, file has %d bytes %x", rf.Name, rf.Bytes, rf.SHA256, len(raw), sum)
	}
	pkts, err := mediatest.ReadOggOpus(raw)
	if err != nil {
		t.Fatalf("%s: %v", rf.Name, err)
	}
	for _, p := range pkts {
		if _, _, _, ok := p.Tagged(); ok {
			tagged = append(tagged, p)
			continue
		}
		if !bytes.Equal(p.Payload, silence20) && !bytes.Equal(p.Payload, silence120) {
			t.Fatalf("%s: packet at %v is neither a tagged payload nor silence: % x", rf.Name, p.At(), p.Payload)
		}
		silence = append(silence, p)
	}
	return tagged, silence
}

// TestRecordingTimeline: a leg's file starts at the recording's start, gaps
// in what was forwarded are kept as silence (by the RTP clock), and a
// speaker whose RTP clock stalls is put back on the arrival times.
func TestRecordingTimeline(t *testing.T) {
	r := newRecorder(256, testLogger())
	if !r.start() {
		t.Fatal("recorder did not start")
	}
	defer r.close()
	t0 := time.Unix(1_700_000_000, 0)
	f := newLegFile(r, t.TempDir(), "leg/1", t0)
	if filepath.Base(f.path) != "leg_1.opus" {
		t.Fatalf("file name %q", filepath.Base(f.path))
	}

	ts := uint32(123456)
	at := t0.Add(100 * time.Millisecond)
	seq := uint32(0)
	send := func(n int) {
		for range n {
			seq++
			recFeed(r, f, "A", seq, ts, at)
			ts += 960
			at = at.Add(20 * time.Millisecond)
		}
	}
	send(50) // 100 ms .. 1.1 s
	// Two seconds not forwarded (hold): the RTP clock went on.
	ts += 2 * 48000
	at = at.Add(2 * time.Second)
	send(10) // 3.1 s .. 3.3 s
	// The client stopped sending for 5 s and resumed with its RTP clock
	// where it was: the arrival times place it.
	at = at.Add(5 * time.Second)
	send(10) // 8.3 s ..
	rf := finishFile(r, f)

	tagged, silence := readRecorded(t, rf)
	if len(tagged) != 70 || rf.Packets != 70 || rf.Dropped != 0 {
		t.Fatalf("%d tagged packets, reported %d (dropped %d), want 70", len(tagged), rf.Packets, rf.Dropped)
	}
	if len(silence) == 0 {
		t.Fatal("no silence before the first packet and in the gaps")
	}
	want := func(i int) time.Duration {
		switch {
		case i < 50:
			return 100*time.Millisecond + time.Duration(i)*20*time.Millisecond
		case i < 60:
			return 3100*time.Millisecond + time.Duration(i-50)*20*time.Millisecond
		default:
			return 8300*time.Millisecond + time.Duration(i-60)*20*time.Millisecond
		}
	}
	for i, p := range tagged {
		_, s, _, _ := p.Tagged()
		if s != uint32(i+1) {
			t.Fatalf("packet %d has seq %d", i, s)
		}
		if d := p.At() - want(i); d < -20*time.Millisecond || d > 20*time.Millisecond {
			t.Fatalf("packet %d at %v, want %v", i+1, p.At(), want(i))
		}
	}
	if rf.First != 100*time.Millisecond || rf.Duration < 8500*time.Millisecond {
		t.Fatalf("first %v, duration %v", rf.First, rf.Duration)
	}
}

// TestRecordingQueueFullDrops: with the queue full, offer drops and counts
// instead of blocking; nothing queued is lost.
func TestRecordingQueueFullDrops(t *testing.T) {
	r := newRecorder(4, testLogger())
	r.alloc() // no writer: the queue only fills
	f := newLegFile(r, t.TempDir(), "A", time.Now())
	now := time.Now()
	for i := range 10 {
		recFeed(r, f, "A", uint32(i+1), uint32(i*960), now)
	}
	if r.dropped.Load() != 6 || f.dropped.Load() != 6 || len(r.queue) != 4 {
		t.Fatalf("dropped %d (file %d), queued %d", r.dropped.Load(), f.dropped.Load(), len(r.queue))
	}
	r.drain()
	if r.written.Load() != 4 || len(r.free) != 4 {
		t.Fatalf("written %d, free %d", r.written.Load(), len(r.free))
	}
	if rf := f.finish(); rf.Packets != 4 || rf.Dropped != 6 {
		t.Fatalf("file %+v", rf)
	}
}

// TestRecordingRealMedia records three pion clients: A and B talk, C
// listens (gated), then whispers to B, then A is excluded (a PCI pause)
// and included again. Each file holds only its own leg's packets; C's only
// from its whisper on; A's none sent while excluded.
func TestRecordingRealMedia(t *testing.T) {
	tr := newTrio(t, []Route{{"A", "B"}, {"B", "A"}, {"C", "A"}, {"C", "B"}})
	a, b := tr.clients["A"], tr.clients["B"]
	start := time.Now()
	dir := filepath.Join(t.TempDir(), "rec")
	if err := tr.g.StartRecording(RecordingParams{Dir: dir, Start: start}); err != nil {
		t.Fatal(err)
	}
	if err := tr.g.StartRecording(RecordingParams{Dir: dir}); err == nil {
		t.Fatal("second StartRecording succeeded")
	}
	waitMore(t, b, "A", 25)
	waitMore(t, a, "B", 25)

	whisper := time.Now()
	if err := tr.g.SetRoutes([]Route{{"A", "B"}, {"B", "A"}, {"C", "A"}, {"C", "B"}, {"B", "C"}}); err != nil {
		t.Fatal(err)
	}
	waitMore(t, b, "C", 25)

	excluded := time.Now()
	if err := tr.g.ExcludeFromRecording("A", true); err != nil {
		t.Fatal(err)
	}
	waitMore(t, b, "A", 25) // B still hears A
	if err := tr.g.ExcludeFromRecording("A", false); err != nil {
		t.Fatal(err)
	}
	included := time.Now()
	waitMore(t, b, "A", 25)
	if err := tr.g.ExcludeFromRecording("nobody", true); err == nil {
		t.Fatal("excluding an unknown leg succeeded")
	}

	files, err := tr.g.StopRecording()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.g.StopRecording(); err == nil {
		t.Fatal("second StopRecording succeeded")
	}
	if len(files) != 3 {
		t.Fatalf("%d files: %+v", len(files), files)
	}
	for _, rf := range files {
		if rf.Err != "" {
			t.Fatalf("%s: %s", rf.Name, rf.Err)
		}
		tagged, _ := readRecorded(t, rf)
		if len(tagged) < 20 {
			t.Fatalf("%s: only %d packets", rf.Name, len(tagged))
		}
		var afterInclude int
		for _, p := range tagged {
			speaker, _, sent, _ := p.Tagged()
			if speaker != string(rf.Leg) {
				t.Fatalf("%s holds a packet of %q", rf.Name, speaker)
			}
			// A file's timeline is the recording's: a packet sits where
			// it arrived (loopback: about when it was sent), give or take
			// the recorder's tolerance of a drifting RTP clock.
			if d := p.At() - sent.Sub(start); d < -time.Second || d > time.Second {
				t.Fatalf("%s: packet sent at %v sits at %v", rf.Name, sent.Sub(start), p.At())
			}
			switch rf.Leg {
			case "C":
				if sent.Before(whisper.Add(-time.Second)) {
					t.Fatalf("C recorded while gated: sent %v before the whisper at %v", sent.Sub(start), whisper.Sub(start))
				}
			case "A":
				if sent.After(excluded.Add(100*time.Millisecond)) && sent.Before(included.Add(-100*time.Millisecond)) {
					t.Fatalf("A recorded while excluded: sent at %v, excluded %v..%v", sent.Sub(start), excluded.Sub(start), included.Sub(start))
				}
				if sent.After(included) {
					afterInclude++
				}
			}
		}
		if rf.Leg == "A" && afterInclude == 0 {
			t.Fatal("A not recorded again after the exclusion ended")
		}
	}
	if st := tr.sfu.Stats(); st.RecordingWritten == 0 || st.RecordingDropped != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// BenchmarkRecordingWriter measures the writer goroutine's share of
// recording per packet: taking it off the queue, one Ogg page (pion's
// oggwriter, which allocates the page), the hash and the buffered write.
func BenchmarkRecordingWriter(b *testing.B) {
	r := newRecorder(1024, testLogger())
	r.alloc()
	f := newLegFile(r, b.TempDir(), "A", time.Now())
	pkt := rtp.Packet{Payload: mediatest.EncodePayload(nil, "A", 1, time.Now())}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		pkt.Timestamp += 960
		now = now.Add(20 * time.Millisecond)
		r.offer(f, &pkt, now)
		r.drain()
	}
	b.StopTimer()
	if rf := f.finish(); rf.Err != "" || rf.Dropped != 0 {
		b.Fatalf("file %+v", rf)
	}
}
