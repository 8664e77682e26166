package reporting

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/callcenter"
	"github.com/earshot/earshot/store"
)

// Summary is the supervision report of one tenant over a time range.
type Summary struct {
	From        time.Time           `json:"from"`
	To          time.Time           `json:"to"`
	Supervisors []SupervisorSummary `json:"supervisors"`
	Help        HelpSummary         `json:"help"`
}

// SupervisorSummary is what one supervisor did in the range.
type SupervisorSummary struct {
	UserID auth.UserID `json:"user_id"`
	Name   string      `json:"name"`
	// ConversationsMonitored counts distinct conversations.
	ConversationsMonitored int `json:"conversations_monitored"`
	// TimeInModeMS is monitoring time per mode (listen, whisper, barge).
	TimeInModeMS map[string]int64 `json:"time_in_mode_ms"`
	// Barges counts switches to barge.
	Barges       int `json:"barges"`
	HelpAccepted int `json:"help_accepted"`
}

// HelpSummary describes the help requests raised in the range.
type HelpSummary struct {
	Count    int `json:"count"`
	Accepted int `json:"accepted"`
	// MedianTimeToAcceptMS is nil when none was accepted.
	MedianTimeToAcceptMS *int64 `json:"median_time_to_accept_ms"`
	Cancelled            int    `json:"cancelled"`
	// CancelledShare is Cancelled / Count (0 when there were none).
	CancelledShare float64 `json:"cancelled_share"`
}

// summaryActions are the audit actions the summary reads.
var summaryActions = func() []string {
	var out []string
	for _, a := range []callcenter.AuditAction{
		callcenter.AuditMonitorStart, callcenter.AuditMonitorListen, callcenter.AuditMonitorWhisper, callcenter.AuditMonitorBarge,
		callcenter.AuditMonitorLeave, callcenter.AuditMonitorEnd, callcenter.AuditMonitorTakeOver,
		callcenter.AuditHelpAccept, callcenter.AuditActionAborted,
	} {
		out = append(out, a.String())
	}
	return out
}()

// session is one supervisor monitoring one conversation.
type session struct {
	active bool
	mode   string
	since  time.Time
}

type sessionKey struct {
	actor auth.UserID
	conv  string
}

// Summarize computes the summary from the audit events of [from, to) in
// seq order and the help requests raised in it. Monitoring time is counted
// from the events: a session already running at from is counted from from
// (its mode is known from the first event's details), one still running at
// to is counted up to to. Actions that were aborted are ignored.
func Summarize(events []store.AuditEvent, help []store.HelpRequest, from, to time.Time) Summary {
	aborted := map[string]bool{}
	for _, e := range events {
		if e.Action == callcenter.AuditActionAborted.String() {
			aborted[detail(e, "aborted_id")] = true
		}
	}
	sups := map[auth.UserID]*SupervisorSummary{}
	convs := map[auth.UserID]map[string]bool{}
	sessions := map[sessionKey]*session{}
	sup := func(e store.AuditEvent) *SupervisorSummary {
		s := sups[e.Actor]
		if s == nil {
			s = &SupervisorSummary{UserID: e.Actor, TimeInModeMS: map[string]int64{"listen": 0, "whisper": 0, "barge": 0}}
			sups[e.Actor], convs[e.Actor] = s, map[string]bool{}
		}
		s.Name = e.ActorName
		return s
	}
	account := func(s *SupervisorSummary, ses *session, until time.Time) {
		if d := until.Sub(ses.since); d > 0 {
			if _, ok := s.TimeInModeMS[ses.mode]; ok {
				s.TimeInModeMS[ses.mode] += d.Milliseconds()
			}
		}
		ses.since = until
	}
	for _, e := range events {
		if aborted[e.ID] {
			continue
		}
		action, err := callcenter.ParseAuditAction(e.Action)
		if err != nil {
			continue
		}
		if action == callcenter.AuditHelpAccept {
			sup(e).HelpAccepted++
			continue
		}
		if action == callcenter.AuditActionAborted || e.ConversationID == "" {
			continue
		}
		s := sup(e)
		k := sessionKey{actor: e.Actor, conv: e.ConversationID}
		ses := sessions[k]
		if ses == nil {
			ses = &session{}
			sessions[k] = ses
		}
		if !ses.active && action != callcenter.AuditMonitorStart {
			// Running since before the range: its mode then is in the details.
			mode := detail(e, "from")
			if mode == "" {
				mode = detail(e, "mode")
			}
			ses.active, ses.mode, ses.since = true, mode, from
		}
		convs[e.Actor][e.ConversationID] = true
		switch action {
		case callcenter.AuditMonitorStart:
			if ses.active {
				account(s, ses, e.At)
			}
			ses.active, ses.mode, ses.since = true, callcenter.ModeListen.String(), e.At
		case callcenter.AuditMonitorListen, callcenter.AuditMonitorWhisper, callcenter.AuditMonitorBarge:
			account(s, ses, e.At)
			ses.mode = action.String()[len("monitor."):]
			if action == callcenter.AuditMonitorBarge {
				s.Barges++
			}
		case callcenter.AuditMonitorLeave, callcenter.AuditMonitorEnd, callcenter.AuditMonitorTakeOver:
			account(s, ses, e.At)
			ses.active = false
		}
	}
	for k, ses := range sessions {
		if ses.active {
			account(sups[k.actor], ses, to)
		}
	}
	out := Summary{From: from, To: to, Supervisors: []SupervisorSummary{}, Help: summarizeHelp(help)}
	for id, s := range sups {
		s.ConversationsMonitored = len(convs[id])
		out.Supervisors = append(out.Supervisors, *s)
	}
	slices.SortFunc(out.Supervisors, func(a, b SupervisorSummary) int {
		if a.UserID < b.UserID {
			return -1
		}
		if a.UserID > b.UserID {
			return 1
		}
		return 0
	})
	return out
}

func summarizeHelp(help []store.HelpRequest) HelpSummary {
	var out HelpSummary
	var waits []int64
	for _, h := range help {
		out.Count++
		if !h.AcceptedAt.IsZero() {
			out.Accepted++
			waits = append(waits, h.AcceptedAt.Sub(h.RaisedAt).Milliseconds())
		}
		if h.Status == callcenter.HelpCancelled.String() {
			out.Cancelled++
		}
	}
	if out.Count > 0 {
		out.CancelledShare = float64(out.Cancelled) / float64(out.Count)
	}
	if n := len(waits); n > 0 {
		slices.Sort(waits)
		m := waits[n/2]
		if n%2 == 0 {
			m = (waits[n/2-1] + waits[n/2]) / 2
		}
		out.MedianTimeToAcceptMS = &m
	}
	return out
}

// detail reads a string field of an event's details.
func detail(e store.AuditEvent, key string) string {
	var m map[string]any
	if json.Unmarshal([]byte(e.Details), &m) != nil {
		return ""
	}
	s, _ := m[key].(string)
	return s
}
