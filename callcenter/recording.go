package callcenter

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/media"
	"github.com/earshot/earshot/store"
)

// Recording modes of the policy.
const (
	// RecordOff: no conversation is recorded by itself (requests may still
	// start one when RecordingPolicy.OnRequest allows).
	RecordOff = "off"
	// RecordAll: every voice conversation is recorded from its answer.
	RecordAll = "all"
	// RecordQueues: conversations of RecordingPolicy.Queues are.
	RecordQueues = "queues"
)

// RecordingPolicy says which voice conversations are recorded (F8).
type RecordingPolicy struct {
	// Mode is off, all or queues (default off).
	Mode string `yaml:"mode"`
	// Queues are recorded from their answer with Mode queues.
	Queues []string `yaml:"queues"`
	// OnRequest lets the conversation's agent, or a supervisor monitoring
	// it, start and stop a recording (recording.start / recording.stop).
	// A recording the policy started cannot be stopped by request.
	OnRequest bool `yaml:"on_request"`
	// NotifyAgent shows the agent that the conversation is recorded (it
	// always sees it when OnRequest lets it start and stop one).
	NotifyAgent bool `yaml:"notify_agent"`
}

// Check validates the policy.
func (p RecordingPolicy) Check() error {
	switch p.Mode {
	case "", RecordOff, RecordAll:
	case RecordQueues:
		if len(p.Queues) == 0 {
			return fmt.Errorf("recording mode %q needs queues", p.Mode)
		}
	default:
		return fmt.Errorf("recording mode %q: want off, all or queues", p.Mode)
	}
	return nil
}

// automatic reports whether the policy records conversations of queue.
func (p RecordingPolicy) automatic(queue string) bool {
	switch p.Mode {
	case RecordAll:
		return true
	case RecordQueues:
		return slices.Contains(p.Queues, queue)
	}
	return false
}

// agentTold reports whether agents see that they are recorded.
func (p RecordingPolicy) agentTold() bool { return p.NotifyAgent || p.OnRequest }

// convRecording is a conversation's recording in progress. Guarded by
// Center.mu.
type convRecording struct {
	id        string
	rel, dir  string // the directory: relative to the recordings root, absolute
	startedAt time.Time
	by        userKey // zero: the policy started it
	byName    string
	auto      bool
	// parties are everyone who took part while recording, in order of
	// arrival, with each supervisor's mode timeline.
	parties []*recParty
	// excluded are the intervals in which the customer's audio was left
	// out (PCI pause); excludedSince is set while it is.
	excluded      []recSpan
	excludedSince time.Time
}

// recParty is one party of a recording.
type recParty struct {
	id    PartyID
	user  auth.UserID
	name  string
	role  PartyRole
	modes []recSpan // supervisors: Listen / Whisper / Barge intervals
	left  bool
}

// recSpan is an interval of a recording, optionally in a mode.
type recSpan struct {
	mode     Mode
	from, to time.Time // to is zero while open
}

// recordingEnabled reports whether this center can record at all.
func (c *Center) recordingEnabled() bool { return c.recordingDir != "" }

// autoRecordLocked starts the policy's recording of a conversation that was
// just answered; its start is audited without waiting (nobody asked).
func (c *Center) autoRecordLocked(ob *outbox, conv *Conversation) {
	if conv.group == nil || conv.recording != nil || !c.recordingEnabled() || !c.policy.Recording.automatic(conv.queue.Name) {
		return
	}
	b, err := c.startRecordingLocked(conv, nil)
	if err != nil {
		c.log.Error("recording not started", "conversation", conv.id, "err", err)
		return
	}
	ob.journal(b)
}

// startRecordingLocked starts recording conv (by a party, or by the policy
// when by is nil) and returns the rows that record the start.
func (c *Center) startRecordingLocked(conv *Conversation, by *participant) (store.Batch, error) {
	id := uuid.NewString()
	rec := &convRecording{id: id, rel: id, dir: filepath.Join(c.recordingDir, id), startedAt: c.now(), auto: by == nil}
	if by != nil {
		rec.by, rec.byName = by.user, by.name
	}
	if err := conv.group.StartRecording(media.RecordingParams{Dir: rec.dir, Start: rec.startedAt}); err != nil {
		return store.Batch{}, err
	}
	conv.recording = rec
	c.noteRecordingLocked(conv)
	return c.recordingStartBatchLocked(conv, rec, by), nil
}

// recordingStartBatchLocked is the audit event and row of a start.
func (c *Center) recordingStartBatchLocked(conv *Conversation, rec *convRecording, by *participant) store.Batch {
	details := map[string]any{"recording_id": rec.id}
	var ev store.AuditEvent
	if by == nil {
		details["policy"] = c.policy.Recording.Mode
		ev = c.systemEventLocked(conv.tenant, conv, "", AuditRecordingStart, details)
	} else {
		ev = c.partyEventLocked(conv, by, AuditRecordingStart, details)
	}
	row := store.RecordingRecord{ID: rec.id, Tenant: conv.tenant, ConversationID: string(conv.id), StartedBy: rec.by.user, StartedAt: rec.startedAt, Dir: rec.rel}
	return store.Batch{Audit: []store.AuditEvent{ev}, Recordings: []store.RecordingRecord{row}}
}

// noteRecordingLocked brings the recording's party list and the
// supervisors' mode timelines up to date. It runs after every routing
// change (syncMediaLocked), which every mode switch, join and leave goes
// through.
func (c *Center) noteRecordingLocked(conv *Conversation) {
	rec := conv.recording
	if rec == nil {
		return
	}
	now := c.now()
	for _, rp := range rec.parties {
		p := conv.party(rp.id)
		if p == nil && !rp.left {
			rp.left = true
			closeSpan(rp.modes, now)
		}
	}
	for _, p := range conv.parties {
		if p.leg == nil {
			continue
		}
		i := slices.IndexFunc(rec.parties, func(rp *recParty) bool { return rp.id == p.id })
		if i < 0 {
			rec.parties = append(rec.parties, &recParty{id: p.id, user: p.user.user, name: p.name, role: p.role})
			i = len(rec.parties) - 1
		}
		rp := rec.parties[i]
		if p.role != PartySupervisor {
			closeSpan(rp.modes, now) // a supervisor who took over
			continue
		}
		if n := len(rp.modes); n == 0 || rp.modes[n-1].mode != p.mode || !rp.modes[n-1].to.IsZero() {
			closeSpan(rp.modes, now)
			rp.modes = append(rp.modes, recSpan{mode: p.mode, from: now})
		}
	}
}

func closeSpan(spans []recSpan, at time.Time) {
	if n := len(spans); n > 0 && spans[n-1].to.IsZero() {
		spans[n-1].to = at
	}
}

// SetCustomerRecordingExcludedLocked is the PCI-pause hook of recording:
// while excluded, none of the customer's audio is recorded (whoever hears
// it), and the manifest lists the interval. The PCI pause calls it when it
// starts and ends. It needs no recording in progress: a recording started
// during a pause leaves the customer out from its first packet.
func (c *Center) SetCustomerRecordingExcludedLocked(conv *Conversation, excluded bool) error {
	cust := conv.customer()
	if conv.group == nil || cust == nil || cust.leg == nil {
		return nil
	}
	if err := conv.group.ExcludeFromRecording(cust.leg.ID(), excluded); err != nil {
		return fmt.Errorf("exclude customer from recording: %w", err)
	}
	conv.customerUnrecorded = excluded
	if rec := conv.recording; rec != nil {
		now := c.now()
		switch {
		case excluded && rec.excludedSince.IsZero():
			rec.excludedSince = now
		case !excluded && !rec.excludedSince.IsZero():
			rec.excluded = append(rec.excluded, recSpan{from: rec.excludedSince, to: now})
			rec.excludedSince = time.Time{}
		}
	}
	return nil
}

// StartRecording starts recording a conversation on request of its agent
// or a supervisor monitoring it, where the policy allows (audited).
func (c *Center) StartRecording(cl Client, id ConversationID) error {
	var (
		conv    *Conversation
		pending *convRecording
	)
	check := func() (store.Batch, error) {
		cv, p, err := c.recordingRequestLocked(cl, id)
		if err != nil {
			return store.Batch{}, err
		}
		if cv.recording != nil {
			return store.Batch{}, refuse(ErrBadState, "the conversation is already recorded")
		}
		conv = cv
		// The start is audited with the ID the recording will have.
		rec := &convRecording{id: uuid.NewString(), startedAt: c.now(), by: p.user, byName: p.name}
		rec.rel = rec.id
		pending = rec
		return c.recordingStartBatchLocked(cv, rec, p), nil
	}
	return c.audited(id, check, func(ob *outbox) error {
		cv, p, err := c.recordingRequestLocked(cl, id)
		if err != nil {
			return err
		}
		rec := pending
		if cv != conv || rec == nil || cv.recording != nil {
			return refuse(ErrBadState, "the conversation changed")
		}
		rec.dir = filepath.Join(c.recordingDir, rec.rel)
		if err := cv.group.StartRecording(media.RecordingParams{Dir: rec.dir, Start: rec.startedAt}); err != nil {
			c.log.Error("start recording", "conversation", id, "err", err)
			return ErrMediaFailed
		}
		cv.recording = rec
		c.noteRecordingLocked(cv)
		c.log.Info("recording started", "conversation", id, "recording", rec.id, "by", p.user.user)
		c.publishLocked(ob, cv)
		return nil
	})
}

// StopRecording stops a recording that was started by request (audited); a
// recording the policy requires cannot be stopped.
func (c *Center) StopRecording(cl Client, id ConversationID) error {
	check := func() (store.Batch, error) {
		cv, p, err := c.recordingRequestLocked(cl, id)
		if err != nil {
			return store.Batch{}, err
		}
		rec := cv.recording
		if rec == nil {
			return store.Batch{}, refuse(ErrBadState, "the conversation is not recorded")
		}
		if rec.auto {
			return store.Batch{}, ErrRecordingRequired
		}
		return audit(c.partyEventLocked(cv, p, AuditRecordingStop, map[string]any{"recording_id": rec.id})), nil
	}
	return c.audited(id, check, func(ob *outbox) error {
		cv, _, err := c.recordingRequestLocked(cl, id)
		if err != nil {
			return err
		}
		if cv.recording == nil || cv.recording.auto {
			return refuse(ErrBadState, "the conversation changed")
		}
		c.stopRecordingLocked(ob, cv, "")
		c.publishLocked(ob, cv)
		return nil
	})
}

// recordingRequestLocked checks that the caller may start or stop the
// recording of a conversation: the policy allows requests, the caller is
// its agent or a supervisor monitoring it, and it is a live voice call.
func (c *Center) recordingRequestLocked(cl Client, id ConversationID) (*Conversation, *participant, error) {
	if !c.policy.Recording.OnRequest || !c.recordingEnabled() {
		return nil, nil, refuse(ErrPolicyForbidden, "the recording policy does not allow recording on request")
	}
	conv, p, err := c.partyLocked(cl, id)
	if err != nil {
		return nil, nil, err
	}
	if p.role != PartyAgent && p.role != PartySupervisor {
		return nil, nil, ErrForbiddenRole
	}
	if conv.channel != ChannelVoice || conv.group == nil {
		return nil, nil, refuse(ErrBadChannel, "only voice conversations are recorded")
	}
	if conv.state != ConvActive {
		return nil, nil, ErrConversationInactive
	}
	return conv, p, nil
}

// stopRecordingLocked ends conv's recording. reason is "" for a request
// (audited by it) or why it ended by itself (audited here, not waited
// for). The files are closed, described in the manifest and the store
// once the lock is released.
func (c *Center) stopRecordingLocked(ob *outbox, conv *Conversation, reason string) {
	rec := conv.recording
	if rec == nil {
		return
	}
	conv.recording = nil
	if reason != "" {
		ob.journal(audit(c.systemEventLocked(conv.tenant, conv, "", AuditRecordingStop, map[string]any{"recording_id": rec.id, "reason": reason})))
	}
	now := c.now()
	for _, rp := range rec.parties {
		closeSpan(rp.modes, now)
	}
	if !rec.excludedSince.IsZero() {
		rec.excluded = append(rec.excluded, recSpan{from: rec.excludedSince, to: now})
		rec.excludedSince = time.Time{}
	}
	g, tenant, cid := conv.group, conv.tenant, conv.id
	ob.after(func() { c.finishRecording(g, tenant, cid, rec, now) })
}

// finishRecording closes the files, writes the manifest next to them and
// the complete row to the store. It runs without the state lock.
func (c *Center) finishRecording(g MediaGroup, tenant auth.TenantID, cid ConversationID, rec *convRecording, endedAt time.Time) {
	files, err := g.StopRecording()
	if err != nil {
		c.log.Error("stop recording", "conversation", cid, "recording", rec.id, "err", err)
	}
	m := buildManifest(tenant, cid, rec, endedAt, files)
	row := store.RecordingRecord{
		ID: rec.id, Tenant: tenant, ConversationID: string(cid), StartedBy: rec.by.user,
		StartedAt: rec.startedAt, EndedAt: endedAt, Dir: rec.rel, Files: m.storeFiles(),
	}
	if err := writeManifest(rec.dir, m); err != nil {
		c.log.Error("recording manifest", "conversation", cid, "recording", rec.id, "err", err)
	}
	c.auditor.Enqueue(store.Batch{Recordings: []store.RecordingRecord{row}})
	c.log.Info("recording stopped", "conversation", cid, "recording", rec.id, "files", len(row.Files))
}

// writeManifest writes manifest.json into the recording's directory.
func writeManifest(dir string, m Manifest) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, ManifestName+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, ManifestName))
}
