package media

import (
	"fmt"
	"time"
)

// RecordingParams are StartRecording's inputs.
type RecordingParams struct {
	// Dir is the recording's own directory, created by the writer with
	// the first file (StartRecording does no I/O); it must not hold an
	// earlier recording's files. Each leg that speaks gets one file
	// there, <leg id>.opus.
	Dir string
	// Start is the recording's zero time (default: now): every file's
	// first sample is at Start.
	Start time.Time
}

// Recording is what the group is recording. The forwarding path sees only
// each leg's legFile; the rest is guarded by Group.mu.
type groupRecording struct {
	dir   string
	start time.Time
	files map[LegID]*legFile
	order []LegID
}

// StartRecording records every leg of the group, one Ogg Opus file each,
// straight from the RTP it forwards (no transcoding): what a leg says is
// recorded while somebody hears it, so a gated speaker (a listening
// supervisor, a held customer, a muted agent) is not, and neither is a leg
// excluded with ExcludeFromRecording. Legs that join later are recorded
// too. Forwarding copies each packet into the SFU's bounded recording
// queue and never waits for the disk; a full queue drops the packet from
// the recording only (Stats.RecordingDropped).
func (g *Group) StartRecording(p RecordingParams) error {
	if p.Dir == "" {
		return fmt.Errorf("start recording: %w: no directory", ErrBadConfig)
	}
	if p.Start.IsZero() {
		p.Start = time.Now()
	}
	rec := g.sfu.rec
	if !rec.start() {
		return fmt.Errorf("start recording: %w", ErrSFUClosed)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return fmt.Errorf("start recording: %w", g.closeErr)
	}
	if g.rec != nil {
		return fmt.Errorf("start recording: %w", ErrRecording)
	}
	g.rec = &groupRecording{dir: p.Dir, start: p.Start, files: make(map[LegID]*legFile)}
	for _, l := range g.legs {
		g.tapLocked(l)
	}
	return nil
}

// tapLocked starts recording leg l. g.mu must be held and g.rec set.
func (g *Group) tapLocked(l *Leg) {
	f := g.rec.files[l.id]
	if f == nil {
		f = newLegFile(g.sfu.rec, g.rec.dir, l.id, g.rec.start)
		g.rec.files[l.id] = f
		g.rec.order = append(g.rec.order, l.id)
	}
	l.recv.rec.Store(f)
}

// StopRecording stops recording and closes the files once everything
// queued for them is written. It returns one RecordedFile per leg that
// was in the group while recording (Bytes 0 and no SHA256 for a leg that
// never spoke: it has no file).
func (g *Group) StopRecording() ([]RecordedFile, error) {
	g.mu.Lock()
	gr := g.rec
	g.rec = nil
	if gr != nil {
		for _, l := range g.legs {
			l.recv.rec.Store(nil)
		}
	}
	g.mu.Unlock()
	if gr == nil {
		return nil, fmt.Errorf("stop recording: %w", ErrNotRecording)
	}
	return g.sfu.rec.finish(gr), nil
}

// finish closes a recording's files on the writer goroutine.
func (r *recorder) finish(gr *groupRecording) []RecordedFile {
	out := make([]RecordedFile, 0, len(gr.order))
	r.do(func() {
		for _, id := range gr.order {
			out = append(out, gr.files[id].finish())
		}
	})
	return out
}

// ExcludeFromRecording leaves a leg's audio out of recordings (now and in
// any recording started later) while excluded is true, whoever hears it:
// the domain sets it for the customer during a PCI pause. The file keeps
// the time as silence. It fails with ErrUnknownLeg for a leg not in the
// group.
func (g *Group) ExcludeFromRecording(id LegID, excluded bool) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	l, ok := g.legs[id]
	if !ok {
		return fmt.Errorf("exclude from recording %s: %w", id, ErrUnknownLeg)
	}
	l.recv.noRecord.Store(excluded)
	return nil
}
