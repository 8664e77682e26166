package reporting

import (
	"testing"
	"time"

	"github.com/earshot/earshot/store"
)

var t0 = time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)

func sev(actor, conv, action string, sec int, details string) store.AuditEvent {
	return store.AuditEvent{Tenant: "t1", ID: actor + conv + action + time.Duration(sec).String(), Actor: "sam", ActorName: "Sam",
		ConversationID: conv, Action: action, At: t0.Add(time.Duration(sec) * time.Second), Details: store.RawJSON(details)}
}

func TestSummarize(t *testing.T) {
	evs := []store.AuditEvent{
		// Running since before the range, in whisper: counted from "from".
		sev("sam", "c0", "monitor.listen", 30, `{"from":"whisper"}`),
		sev("sam", "c0", "monitor.leave", 40, `{"mode":"listen"}`),
		// A full session: 10 s listen, 20 s whisper, 5 s barge.
		sev("sam", "c1", "monitor.start", 100, `{"mode":"listen"}`),
		sev("sam", "c1", "monitor.whisper", 110, `{"from":"listen"}`),
		sev("sam", "c1", "monitor.barge", 130, `{"from":"whisper"}`),
		sev("sam", "c1", "monitor.end", 135, `{"mode":"barge","reason":"conversation_ended"}`),
		// An aborted switch is ignored.
		sev("sam", "c2", "monitor.start", 200, `{}`),
		sev("sam", "c2", "monitor.barge", 210, `{"from":"listen"}`),
		sev("sam", "c2", "action.aborted", 211, `{}`),
		// Still running at the end of the range (300 s).
		sev("sam", "c2", "monitor.whisper", 250, `{"from":"listen"}`),
		sev("sam", "", "help.accept", 260, `{"help_request_id":"h1"}`),
	}
	evs[8].Details = store.RawJSON(`{"aborted_id":"` + evs[7].ID + `"}`)
	help := []store.HelpRequest{
		{ID: "h1", Status: "closed", RaisedAt: t0, AcceptedAt: t0.Add(10 * time.Second)},
		{ID: "h2", Status: "in_progress", RaisedAt: t0, AcceptedAt: t0.Add(30 * time.Second)},
		{ID: "h3", Status: "cancelled", RaisedAt: t0, CancelledAt: t0.Add(time.Second)},
		{ID: "h4", Status: "cancelled", RaisedAt: t0},
	}
	s := Summarize(evs, help, t0, t0.Add(300*time.Second))
	if len(s.Supervisors) != 1 {
		t.Fatalf("supervisors %+v", s.Supervisors)
	}
	got := s.Supervisors[0]
	want := map[string]int64{
		"whisper": (30 + 20 + 50) * 1000, // c0 before the range, c1, c2 until the end
		"listen":  (10 + 10 + 50) * 1000, // c0 after the switch, c1, c2 before its whisper
		"barge":   5 * 1000,
	}
	for m, ms := range want {
		if got.TimeInModeMS[m] != ms {
			t.Errorf("%s: %d ms, want %d", m, got.TimeInModeMS[m], ms)
		}
	}
	if got.ConversationsMonitored != 3 || got.Barges != 1 || got.HelpAccepted != 1 || got.Name != "Sam" {
		t.Fatalf("summary %+v", got)
	}
	h := s.Help
	if h.Count != 4 || h.Accepted != 2 || h.MedianTimeToAcceptMS == nil || *h.MedianTimeToAcceptMS != 20000 || h.Cancelled != 2 || h.CancelledShare != 0.5 {
		t.Fatalf("help %+v", h)
	}
	if empty := Summarize(nil, nil, t0, t0); empty.Help.MedianTimeToAcceptMS != nil || empty.Help.CancelledShare != 0 || len(empty.Supervisors) != 0 {
		t.Fatalf("empty %+v", empty)
	}
}
