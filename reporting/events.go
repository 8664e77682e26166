package reporting

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// eventsPage is the JSON of one page of search results.
type eventsPage struct {
	Events     []store.AuditEvent `json:"events"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

func (a *api) events(w http.ResponseWriter, r *http.Request, caller auth.Identity) *apiError {
	q, e := auditQuery(r.URL.Query(), caller.Tenant)
	if e != nil {
		return e
	}
	page, err := a.p.Store.SearchAudit(r.Context(), q)
	if err != nil {
		return a.internal(r, err)
	}
	writeJSON(w, http.StatusOK, eventsPage{Events: page.Events, NextCursor: encodeCursor(page.Next, q.Desc)})
	return nil
}

// maxExportRows bounds one CSV export. A longer one stops at the bound and
// ends with a marker row (the status line is long sent by then).
const maxExportRows = 1_000_000

var csvHeader = []string{"tenant", "seq", "id", "at", "actor", "actor_name", "role", "conversation_id", "agent", "action", "details", "prev_hash", "hash"}

// eventsCSV streams every event matching the filters (all pages) as CSV.
func (a *api) eventsCSV(w http.ResponseWriter, r *http.Request, caller auth.Identity) *apiError {
	q, e := auditQuery(r.URL.Query(), caller.Tenant)
	if e != nil {
		return e
	}
	q.Limit, q.After = store.MaxPageSize, 0
	if r.URL.Query().Get("order") == "" {
		q.Desc = false // an export reads oldest first unless asked otherwise
	}
	first, err := a.p.Store.SearchAudit(r.Context(), q)
	if err != nil {
		return a.internal(r, err)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="earshot-audit-`+string(caller.Tenant)+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	rows := 0
	page := first
	for {
		for _, ev := range page.Events {
			_ = cw.Write(csvRow(ev))
			rows++
		}
		if page.Next == 0 {
			break
		}
		if rows >= maxExportRows {
			_ = cw.Write([]string{"# truncated after " + strconv.Itoa(rows) + " rows; narrow the time range"})
			break
		}
		q.After = page.Next
		if page, err = a.p.Store.SearchAudit(r.Context(), q); err != nil {
			a.log.Error("csv export failed mid-way", "err", err)
			_ = cw.Write([]string{"# export failed; the file is incomplete"})
			break
		}
		cw.Flush()
	}
	cw.Flush()
	return nil
}

func csvRow(e store.AuditEvent) []string {
	details, _ := e.Details.MarshalJSON()
	return []string{
		cell(string(e.Tenant)), strconv.FormatInt(e.Seq, 10), cell(e.ID), e.At.UTC().Format(time.RFC3339Nano),
		cell(string(e.Actor)), cell(e.ActorName), cell(e.Role), cell(e.ConversationID), cell(string(e.Agent)),
		cell(e.Action), cell(string(details)), e.PrevHash, e.Hash,
	}
}

// cell defuses spreadsheet formulas: names and ids are user data, and a
// cell starting with = + - @ would be evaluated when the file is opened.
func cell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
