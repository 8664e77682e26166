package media

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
)

// Recording timeline constants. Every file of a recording starts at the
// recording's start, so the files of one recording line up sample for
// sample in any player: time in which a leg was not recorded (not yet
// joined, on hold, muted, excluded, a listening supervisor) is written as
// Opus silence, not squeezed out.
const (
	recClock = 48000 // Ogg Opus granule positions are always 48 kHz
	// recFrame is the shortest gap filled: one 20 ms frame.
	recFrame = recClock / 50
	// recJump is how far a speaker's RTP clock may disagree with the
	// arrival times before the arrival times are trusted instead (a
	// client that paused sending without advancing its timestamps, or
	// whose clock drifts).
	recJump = recClock / 4
	// recSSRC is the one stream of a file (oggwriter's track key).
	recSSRC = 1
)

// Opus silence: CELT fullband 20 ms frames that decode to digital silence
// (TOC 0xF8 and the range-coder bytes 0xFF 0xFE). silence120 packs six of
// them in one code-3 packet (TOC 0xFB, six CBR frames), so a long gap costs
// about 350 bytes a second of Ogg pages.
var (
	silence20  = []byte{0xF8, 0xFF, 0xFE}
	silence120 = []byte{0xFB, 0x06, 0xFF, 0xFE, 0xFF, 0xFE, 0xFF, 0xFE, 0xFF, 0xFE, 0xFF, 0xFE, 0xFF, 0xFE}
)

// RecordedFile describes one leg's file of a finished recording.
type RecordedFile struct {
	Leg LegID `json:"leg"`
	// Path is the file's path; Name its name within the recording's
	// directory.
	Path string `json:"-"`
	Name string `json:"name"`
	// Bytes and SHA256 (hex) describe the file as closed.
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	// Packets counts the leg's packets written, Dropped those lost to a
	// full recording queue.
	Packets uint64 `json:"packets"`
	Dropped uint64 `json:"dropped,omitempty"`
	// First and Last are when the leg's first and last recorded packets
	// arrived, from the recording's start; Duration is the file's length.
	First    time.Duration `json:"-"`
	Last     time.Duration `json:"-"`
	Duration time.Duration `json:"-"`
	// Err is why the file is incomplete (a write failed), "" if it is not.
	Err string `json:"error,omitempty"`
}

// legFile is one leg's file in a recording. The hot path reads only rec
// and dropped; everything else belongs to the recorder's writer goroutine.
type legFile struct {
	rec     *recorder
	leg     LegID
	path    string
	start   int64 // the recording's start, Unix nanoseconds
	dropped atomic.Uint64

	opened  bool
	f       *os.File
	bw      *bufio.Writer
	sum     hash.Hash
	bytes   int64
	ogg     *oggwriter.Writer
	track   *oggwriter.Track
	pkt     rtp.Packet
	written int64 // samples written
	// prevPos and prevTS place the previous packet: its ideal sample
	// position and RTP timestamp.
	prevPos     int64
	prevTS      uint32
	packets     uint64
	first, last int64
	err         error
}

func newLegFile(rec *recorder, dir string, leg LegID, start time.Time) *legFile {
	return &legFile{rec: rec, leg: leg, path: filepath.Join(dir, fileName(leg)), start: start.UnixNano()}
}

// fileName makes a leg ID a safe file name: anything but letters, digits,
// '-' and '_' becomes '_'.
func fileName(leg LegID) string {
	b := []byte(leg)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b) + ".opus"
}

// Write implements io.Writer for oggwriter: buffered, hashed and counted.
func (f *legFile) Write(p []byte) (int, error) {
	n, err := f.bw.Write(p)
	f.sum.Write(p[:n])
	f.bytes += int64(n)
	f.rec.bytes.Add(uint64(n))
	return n, err
}

// open creates the file on the leg's first packet.
func (f *legFile) open() error {
	if err := os.MkdirAll(filepath.Dir(f.path), 0o750); err != nil {
		return fmt.Errorf("create recording directory: %w", err)
	}
	fd, err := os.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return fmt.Errorf("create recording file: %w", err)
	}
	f.f, f.bw, f.sum = fd, bufio.NewWriterSize(fd, 32<<10), sha256.New()
	w, err := oggwriter.NewWriter(f, oggwriter.WithSampleRate(recClock), oggwriter.WithChannelCount(1))
	if err == nil {
		f.track, err = w.NewTrack(recSSRC)
	}
	if err != nil {
		_ = fd.Close()
		return fmt.Errorf("ogg writer: %w", err)
	}
	f.ogg = w
	f.pkt.SSRC = recSSRC
	return nil
}

// write appends one queued packet, after the silence that keeps the file
// on the recording's timeline. Writer goroutine only.
func (f *legFile) write(e *recPacket, log *slog.Logger) {
	if f.err != nil {
		return
	}
	n, err := opusSamples(e.buf[:e.n])
	if err != nil {
		return // not Opus (a garbled client): nothing to record
	}
	if !f.opened {
		f.opened = true
		if f.err = f.open(); f.err != nil {
			log.Error("recording: leg file failed", "leg", f.leg, "err", f.err)
			return
		}
		f.first = e.at - f.start
		f.prevPos = nanosToSamples(e.at - f.start)
	} else {
		// Follow the speaker's RTP clock (it keeps the packets' spacing
		// exact through network jitter), but never further than recJump
		// from the arrival times: a client whose timestamps stalled,
		// jumped or drifted is put back on the wall clock.
		pos := f.prevPos + int64(int32(e.ts-f.prevTS))
		if wall := nanosToSamples(e.at - f.start); pos-wall > recJump || wall-pos > recJump {
			pos = wall
		}
		f.prevPos = pos
	}
	f.prevTS, f.last = e.ts, e.at-f.start
	if err := f.fill(f.prevPos); err != nil {
		f.fail(err, log)
		return
	}
	f.pkt.Payload = e.buf[:e.n]
	if err := f.track.WriteRTP(&f.pkt); err != nil {
		f.fail(err, log)
		return
	}
	f.written += n
	f.packets++
}

// fill writes silence up to pos, in whole 20 ms frames.
func (f *legFile) fill(pos int64) error {
	for pos-f.written >= recFrame {
		p := silence20
		if pos-f.written >= 6*recFrame {
			p = silence120
		}
		f.pkt.Payload = p
		if err := f.track.WriteRTP(&f.pkt); err != nil {
			return err
		}
		n, _ := opusSamples(p)
		f.written += n
	}
	return nil
}

func (f *legFile) fail(err error, log *slog.Logger) {
	f.err = fmt.Errorf("write recording: %w", err)
	log.Error("recording: leg file failed", "leg", f.leg, "err", err)
}

// finish closes the file and describes it. Writer goroutine only.
func (f *legFile) finish() RecordedFile {
	rf := RecordedFile{Leg: f.leg, Path: f.path, Name: filepath.Base(f.path), Packets: f.packets, Dropped: f.dropped.Load()}
	if !f.opened {
		return rf
	}
	if f.ogg != nil {
		err := f.ogg.Close() // the end-of-stream page
		if ferr := f.bw.Flush(); err == nil {
			err = ferr
		}
		if serr := f.f.Sync(); err == nil {
			err = serr
		}
		if cerr := f.f.Close(); err == nil {
			err = cerr
		}
		if err != nil && f.err == nil {
			f.err = err
		}
		f.ogg = nil
		rf.SHA256 = hex.EncodeToString(f.sum.Sum(nil))
	}
	rf.Bytes = f.bytes
	rf.First, rf.Last = time.Duration(f.first), time.Duration(f.last)
	rf.Duration = samplesToDuration(f.written)
	if f.err != nil {
		rf.Err = f.err.Error()
	}
	return rf
}

func nanosToSamples(ns int64) int64 { return ns * recClock / int64(time.Second) }

func samplesToDuration(n int64) time.Duration { return time.Duration(n) * time.Second / recClock }

var errNotOpus = errors.New("not an opus packet")

// opusSamples is the number of 48 kHz samples an Opus packet carries (RFC
// 6716 section 3.1: the TOC byte's configuration gives the frame size, its
// code the frame count).
func opusSamples(p []byte) (int64, error) {
	if len(p) == 0 {
		return 0, errNotOpus
	}
	var frame int64
	switch cfg := p[0] >> 3; {
	case cfg < 12: // SILK: 10, 20, 40, 60 ms
		frame = [...]int64{480, 960, 1920, 2880}[cfg&3]
	case cfg < 16: // hybrid: 10, 20 ms
		frame = [...]int64{480, 960}[cfg&1]
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = [...]int64{120, 240, 480, 960}[cfg&3]
	}
	var count int64
	switch p[0] & 3 {
	case 0:
		count = 1
	case 1, 2:
		count = 2
	default:
		if len(p) < 2 {
			return 0, errNotOpus
		}
		count = int64(p[1] & 0x3F)
	}
	if count == 0 || frame*count > 5760 {
		return 0, errNotOpus
	}
	return frame * count, nil
}

var _ io.Writer = (*legFile)(nil)
