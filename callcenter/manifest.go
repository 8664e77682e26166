package callcenter

import (
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/media"
	"github.com/earshot/earshot/store"
)

// ManifestName is the manifest's file name in a recording's directory.
const ManifestName = "manifest.json"

// Manifest describes one recording (manifest.json next to its files): one
// Ogg Opus file per party that spoke, all starting at the recording's
// start (offsets below are milliseconds from it), and the mode timeline of
// every supervisor, so that a player puts a whisper on the agent's side
// only — the customer never heard it.
type Manifest struct {
	Version        int            `json:"version"`
	RecordingID    string         `json:"recording_id"`
	Tenant         auth.TenantID  `json:"tenant"`
	ConversationID ConversationID `json:"conversation_id"`
	StartedAt      time.Time      `json:"started_at"`
	EndedAt        time.Time      `json:"ended_at"`
	// StartedBy is who asked for the recording; empty when the policy
	// started it.
	StartedBy auth.UserID `json:"started_by,omitempty"`
	// SampleRate of every file's timeline (Ogg Opus granules).
	SampleRate int            `json:"sample_rate"`
	Files      []ManifestFile `json:"files"`
	// Supervisors are everyone who monitored while recording, with the
	// intervals they spent in each mode.
	Supervisors []ManifestSupervisor `json:"supervisors"`
	// CustomerExcluded are the intervals in which the customer's audio was
	// left out of the recording (PCI pause).
	CustomerExcluded []ManifestSpan `json:"customer_excluded"`
}

// ManifestFile is one party's file.
type ManifestFile struct {
	Name      string      `json:"name"`
	PartyID   PartyID     `json:"party_id"`
	User      auth.UserID `json:"user_id"`
	PartyName string      `json:"party_name"`
	// Role is the party's role when the recording ended (a supervisor who
	// took over is an agent).
	Role    PartyRole `json:"role"`
	Bytes   int64     `json:"bytes"`
	SHA256  string    `json:"sha256"`
	Packets uint64    `json:"packets"`
	// Dropped counts packets the recorder could not keep up with.
	Dropped    uint64 `json:"dropped,omitempty"`
	DurationMs int64  `json:"duration_ms"`
	Error      string `json:"error,omitempty"`
}

// ManifestSupervisor is one supervisor's modes while recording.
type ManifestSupervisor struct {
	PartyID PartyID        `json:"party_id"`
	User    auth.UserID    `json:"user_id"`
	Name    string         `json:"name"`
	Modes   []ManifestSpan `json:"modes"`
}

// ManifestSpan is an interval of the recording, in milliseconds from its
// start; Mode is set for a supervisor's mode.
type ManifestSpan struct {
	Mode   Mode  `json:"mode,omitzero"`
	FromMs int64 `json:"from_ms"`
	ToMs   int64 `json:"to_ms"`
}

func buildManifest(tenant auth.TenantID, cid ConversationID, rec *convRecording, endedAt time.Time, files []media.RecordedFile) Manifest {
	ms := func(t time.Time) int64 { return t.Sub(rec.startedAt).Milliseconds() }
	m := Manifest{
		Version: 1, RecordingID: rec.id, Tenant: tenant, ConversationID: cid, StartedAt: rec.startedAt, EndedAt: endedAt,
		StartedBy: rec.by.user, SampleRate: 48000, Files: []ManifestFile{}, Supervisors: []ManifestSupervisor{}, CustomerExcluded: []ManifestSpan{},
	}
	parties := map[PartyID]*recParty{}
	for _, rp := range rec.parties {
		parties[rp.id] = rp
		if len(rp.modes) == 0 {
			continue
		}
		s := ManifestSupervisor{PartyID: rp.id, User: rp.user, Name: rp.name, Modes: []ManifestSpan{}}
		for _, sp := range rp.modes {
			s.Modes = append(s.Modes, ManifestSpan{Mode: sp.mode, FromMs: ms(sp.from), ToMs: ms(sp.to)})
		}
		m.Supervisors = append(m.Supervisors, s)
	}
	for _, sp := range rec.excluded {
		m.CustomerExcluded = append(m.CustomerExcluded, ManifestSpan{FromMs: ms(sp.from), ToMs: ms(sp.to)})
	}
	for _, f := range files {
		if f.SHA256 == "" && f.Err == "" {
			continue // the leg never spoke: no file
		}
		mf := ManifestFile{
			Name: f.Name, PartyID: partyOfLeg(f.Leg), Bytes: f.Bytes, SHA256: f.SHA256, Packets: f.Packets,
			Dropped: f.Dropped, DurationMs: f.Duration.Milliseconds(), Error: f.Err,
		}
		if rp := parties[partyOfLeg(f.Leg)]; rp != nil {
			mf.User, mf.PartyName, mf.Role = rp.user, rp.name, rp.role
		}
		m.Files = append(m.Files, mf)
	}
	return m
}

// storeFiles is what the store keeps of the files.
func (m Manifest) storeFiles() []store.RecordingFile {
	out := make([]store.RecordingFile, 0, len(m.Files))
	for _, f := range m.Files {
		out = append(out, store.RecordingFile{
			Name: f.Name, PartyID: string(f.PartyID), User: f.User, PartyName: f.PartyName,
			Role: f.Role.String(), Bytes: f.Bytes, SHA256: f.SHA256,
		})
	}
	return out
}
