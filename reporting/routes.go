package reporting

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// maxSummaryEvents bounds the events one summary reads.
const maxSummaryEvents = 500_000

// defaultRange is the summary's range when none is given: the last day.
const defaultRange = 24 * time.Hour

func (a *api) timeRange(r *http.Request) (time.Time, time.Time, *apiError) {
	q := r.URL.Query()
	from, e := parseTime(q, "from")
	if e != nil {
		return from, from, e
	}
	to, e := parseTime(q, "to")
	if e != nil {
		return from, to, e
	}
	if to.IsZero() {
		to = a.p.Now().UTC()
	}
	if from.IsZero() {
		from = to.Add(-defaultRange)
	}
	if to.Before(from) {
		return from, to, badRequest("to is before from")
	}
	return from, to, nil
}

func (a *api) summary(w http.ResponseWriter, r *http.Request, caller auth.Identity) *apiError {
	from, to, e := a.timeRange(r)
	if e != nil {
		return e
	}
	q := store.AuditQuery{Tenant: caller.Tenant, From: from, To: to, Actions: summaryActions, Limit: store.MaxPageSize}
	var events []store.AuditEvent
	for {
		page, err := a.p.Store.SearchAudit(r.Context(), q)
		if err != nil {
			return a.internal(r, err)
		}
		events = append(events, page.Events...)
		if len(events) > maxSummaryEvents {
			return errTooMuch
		}
		if page.Next == 0 {
			break
		}
		q.After = page.Next
	}
	help, err := a.p.Store.HelpRequests(r.Context(), store.HelpQuery{Tenant: caller.Tenant, From: from, To: to})
	if err != nil {
		return a.internal(r, err)
	}
	end := to
	if now := a.p.Now().UTC(); now.Before(end) {
		end = now // a session still running is counted up to now
	}
	s := Summarize(events, help, from, end)
	s.To = to
	writeJSON(w, http.StatusOK, s)
	return nil
}

func (a *api) helpRequests(w http.ResponseWriter, r *http.Request, caller auth.Identity) *apiError {
	qv := r.URL.Query()
	q := store.HelpQuery{Tenant: caller.Tenant, Limit: 1000}
	var e *apiError
	if q.From, e = parseTime(qv, "from"); e != nil {
		return e
	}
	if q.To, e = parseTime(qv, "to"); e != nil {
		return e
	}
	var agent string
	if agent, e = filter(qv, "agent"); e != nil {
		return e
	}
	q.Agent = auth.UserID(agent)
	if q.Status, e = filter(qv, "status"); e != nil {
		return e
	}
	if q.ConversationID, e = filter(qv, "conversation_id"); e != nil {
		return e
	}
	if raw := qv.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 10000 {
			return badRequest("limit is 1 to 10000")
		}
		q.Limit = n
	}
	rows, err := a.p.Store.HelpRequests(r.Context(), q)
	if err != nil {
		return a.internal(r, err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"help_requests": rows})
	return nil
}

func (a *api) conversations(w http.ResponseWriter, r *http.Request, caller auth.Identity) *apiError {
	from, to, e := a.timeRange(r)
	if e != nil {
		return e
	}
	rows, err := a.p.Store.Conversations(r.Context(), store.ConversationQuery{Tenant: caller.Tenant, From: from, To: to, Limit: 10000})
	if err != nil {
		return a.internal(r, err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": rows})
	return nil
}

// conversation returns one conversation's history and transcript, whispers
// flagged (this API serves supervisors and admins only).
func (a *api) conversation(w http.ResponseWriter, r *http.Request, caller auth.Identity) *apiError {
	id := r.PathValue("id")
	if id == "" || len(id) > 64 {
		return errNotFound
	}
	h, err := a.p.Store.ConversationHistory(r.Context(), caller.Tenant, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return a.internal(r, err)
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

// verifyReport is the JSON of a chain verification.
type verifyReport struct {
	Tenant auth.TenantID     `json:"tenant"`
	OK     bool              `json:"ok"`
	Events int64             `json:"events"`
	Anchor int64             `json:"anchor_seq"`
	Head   int64             `json:"head_seq"`
	Broken *store.BrokenLink `json:"broken,omitempty"`
}

// verify checks the caller's tenant's chain (admins only).
func (a *api) verify(w http.ResponseWriter, r *http.Request, caller auth.Identity) *apiError {
	if !caller.HasRole(auth.RoleAdmin) {
		return errAdminOnly
	}
	reps, err := store.Verify(r.Context(), a.p.Store, caller.Tenant)
	if err != nil {
		return a.internal(r, err)
	}
	rep := reps[0]
	writeJSON(w, http.StatusOK, verifyReport{Tenant: rep.Tenant, OK: rep.OK(), Events: rep.Events, Anchor: rep.Anchor, Head: rep.Head, Broken: rep.Broken})
	return nil
}
