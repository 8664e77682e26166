package reporting

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// Auditor commits audit events; the server passes its store.Writer.
type Auditor interface {
	Commit(ctx context.Context, b store.Batch) error
}

var (
	errNoRecordings = &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "recordings are not served by this server"}
	errAuditDown    = &apiError{Status: http.StatusServiceUnavailable, Code: "audit_unavailable", Message: "the access cannot be audited now, so it is refused"}
)

// recordings lists the tenant's recordings (metadata only: no audio, so no
// access is audited), optionally of one conversation.
func (a *api) recordings(w http.ResponseWriter, r *http.Request, caller auth.Identity) *apiError {
	if a.p.RecordingDir == "" {
		return errNoRecordings
	}
	from, to, e := a.timeRange(r)
	if e != nil {
		return e
	}
	conv, e := filter(r.URL.Query(), "conversation_id")
	if e != nil {
		return e
	}
	q := store.RecordingQuery{Tenant: caller.Tenant, ConversationID: conv, Limit: 10000}
	if conv == "" {
		q.From, q.To = from, to
	}
	rows, err := a.p.Store.Recordings(r.Context(), q)
	if err != nil {
		return a.internal(r, err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"recordings": rows})
	return nil
}

// recording returns one recording's row and its manifest (the supervisors'
// mode timelines); reading it is audited.
func (a *api) recording(w http.ResponseWriter, r *http.Request, caller auth.Identity) *apiError {
	rec, e := a.findRecording(r, caller)
	if e != nil {
		return e
	}
	var manifest json.RawMessage
	if b, err := os.ReadFile(filepath.Join(a.p.RecordingDir, rec.Dir, manifestName)); err == nil && json.Valid(b) {
		manifest = b
	}
	if e := a.auditAccess(r, caller, rec, manifestName); e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, map[string]any{"recording": rec, "manifest": manifest})
	return nil
}

// recordingFile serves one file of a recording (audio/ogg), after its
// access is committed to the audit trail.
func (a *api) recordingFile(w http.ResponseWriter, r *http.Request, caller auth.Identity) *apiError {
	rec, e := a.findRecording(r, caller)
	if e != nil {
		return e
	}
	name := r.PathValue("name")
	known := false
	for _, f := range rec.Files {
		known = known || f.Name == name
	}
	// Only names the store lists are served: a path cannot leave the
	// recording's directory.
	if !known || name != filepath.Base(name) {
		return errNotFound
	}
	f, err := os.Open(filepath.Join(a.p.RecordingDir, rec.Dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return errNotFound
	}
	if err != nil {
		return a.internal(r, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return a.internal(r, err)
	}
	if e := a.auditAccess(r, caller, rec, name); e != nil {
		return e
	}
	w.Header().Set("Content-Type", "audio/ogg")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	http.ServeContent(w, r, "", st.ModTime(), f)
	return nil
}

// manifestName is the manifest's file name (callcenter.ManifestName; the
// reporting API does not import the domain).
const manifestName = "manifest.json"

func (a *api) findRecording(r *http.Request, caller auth.Identity) (store.RecordingRecord, *apiError) {
	if a.p.RecordingDir == "" {
		return store.RecordingRecord{}, errNoRecordings
	}
	id := r.PathValue("id")
	if id == "" || len(id) > 64 {
		return store.RecordingRecord{}, errNotFound
	}
	rec, err := a.p.Store.Recording(r.Context(), caller.Tenant, id)
	if errors.Is(err, store.ErrNotFound) {
		return rec, errNotFound
	}
	if err != nil {
		return rec, a.internal(r, err)
	}
	if rec.Dir == "" || rec.Dir != filepath.Base(rec.Dir) {
		return rec, errNotFound
	}
	return rec, nil
}

// auditAccess commits a recording.access event before anything is served.
func (a *api) auditAccess(r *http.Request, caller auth.Identity, rec store.RecordingRecord, file string) *apiError {
	if a.p.Auditor == nil {
		return errAuditDown
	}
	role := auth.RoleSupervisor.String()
	if caller.HasRole(auth.RoleAdmin) {
		role = auth.RoleAdmin.String()
	}
	details, _ := json.Marshal(map[string]string{"recording_id": rec.ID, "file": file})
	ev := store.AuditEvent{
		ID: uuid.NewString(), Tenant: caller.Tenant, Actor: caller.Subject, ActorName: caller.Name, Role: role,
		ConversationID: rec.ConversationID, Action: store.ActionRecordingAccess, Details: store.RawJSON(details),
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	if err := a.p.Auditor.Commit(ctx, store.Batch{Audit: []store.AuditEvent{ev}}); err != nil {
		a.log.Error("recording access not audited: refused", "recording", rec.ID, "err", err)
		return errAuditDown
	}
	return nil
}
