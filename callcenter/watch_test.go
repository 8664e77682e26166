package callcenter

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
)

func watchIs(id WatchID) func(json.RawMessage) bool {
	return func(b json.RawMessage) bool {
		var v struct {
			WatchID WatchID `json:"watch_id"`
		}
		return json.Unmarshal(b, &v) == nil && v.WatchID == id
	}
}

func endedWith(reason string) func(json.RawMessage) bool {
	return func(b json.RawMessage) bool { return strings.Contains(string(b), `"reason":"`+reason+`"`) }
}

func TestWatchRefusals(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	// The agents connect (newFloor) and so exist for watching.
	_, err := f.c.Watch(f.agent2, WatchParams{Agent: "alex", Scope: WatchNext})
	mustCode(t, err, ErrForbiddenRole.Code)
	_, err = f.c.Watch(f.supB, WatchParams{Agent: "alex", Scope: WatchNext})
	mustCode(t, err, ErrOtherTeam.Code)
	_, err = f.c.Watch(f.outsider, WatchParams{Agent: "alex", Scope: WatchNext})
	mustCode(t, err, ErrAgentNotFound.Code)
	_, err = f.c.Watch(f.sup, WatchParams{Agent: "nobody", Scope: WatchNext})
	mustCode(t, err, ErrAgentNotFound.Code)
	_, err = f.c.Watch(f.sup, WatchParams{Agent: "sam", Scope: WatchNext})
	mustCode(t, err, ErrSelfMonitoring.Code)
	_, err = f.c.Watch(f.sup, WatchParams{Agent: "alex", Scope: WatchUnknown})
	mustCode(t, err, ErrBadRequest.Code)
	_, err = f.c.Watch(f.sup, WatchParams{Agent: "alex", Scope: WatchAll, Reason: strings.Repeat("x", maxReasonBytes+1)})
	mustCode(t, err, ErrBadRequest.Code)
	if _, err := f.c.Watch(f.sup, WatchParams{Agent: "alex", Scope: WatchAll}); err != nil {
		t.Fatal(err)
	}
	_, err = f.c.Watch(f.sup, WatchParams{Agent: "alex", Scope: WatchNext})
	mustCode(t, err, ErrAlreadyWatching.Code)
	mustCode(t, f.c.Unwatch(f.sup2, "no-such-watch"), ErrWatchNotFound.Code)
	ws, err := f.c.Watches(f.sup)
	if err != nil || len(ws) != 1 {
		t.Fatalf("watches %v %v", ws, err)
	}
	// Someone else's watch is not yours to cancel.
	mustCode(t, f.c.Unwatch(f.sup2, ws[0].WatchID), ErrWatchNotFound.Code)
	if n := len(auditorOf(f.c).actions()); n != 1 {
		t.Fatalf("refusals were audited: %v", auditorOf(f.c).actions())
	}
}

// A next-call watch starts Listen in the operation that makes the agent's
// next conversation active, audited with its reason, and is then used up.
func TestWatchNextStartsOnAccept(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	wv, err := f.c.Watch(f.sup, WatchParams{Agent: "alex", Scope: WatchNext, Reason: "new hire"})
	if err != nil {
		t.Fatal(err)
	}
	if wv.Scope != WatchNext || wv.Agent.Name != "Alex" {
		t.Fatalf("watch view %+v", wv)
	}
	w := auditorOf(f.c).waitAction(t, AuditMonitorWatch)
	if d := details(t, w); w.Actor != "sam" || w.Agent != "alex" || d["reason"] != "new hire" || d["scope"] != "next" {
		t.Fatalf("monitor.watch audit %+v %v", w, d)
	}
	custMark := len(f.customer.all())
	id := f.chat(t, f.customer, f.agent)
	raw, _ := f.sup.waitFor(t, 0, EventMonitorWatchStarted, watchIs(wv.WatchID))
	var ws watchStarted
	if err := json.Unmarshal(raw, &ws); err != nil {
		t.Fatal(err)
	}
	if ws.Conversation.ConversationID != id || ws.Conversation.Mode != ModeListen || ws.Connect {
		t.Fatalf("watch_started %+v", ws)
	}
	f.sup.waitFor(t, 0, EventMonitorWatchEnded, endedWith(watchEndUsed))
	row := floorRow(t, f.c, f.sup, id)
	if len(row.Monitors) != 1 || row.Monitors[0].UserID != "sam" || row.Monitors[0].Reason != "new hire" {
		t.Fatalf("floor row %+v", row.Monitors)
	}
	start := auditorOf(f.c).waitAction(t, AuditMonitorStart)
	if d := details(t, start); start.ConversationID != string(id) || d["watch_id"] != string(wv.WatchID) || d["reason"] != "new hire" {
		t.Fatalf("monitor.start audit %+v %v", start, d)
	}
	// The customer's frames carry nothing of it.
	for _, e := range f.customer.all()[custMark:] {
		if strings.Contains(string(e.Data), "Sam") || strings.Contains(string(e.Data), "watch") {
			t.Fatalf("customer event %s reveals the watch: %s", e.Event, e.Data)
		}
	}
	// Used up: the agent's next conversation is not monitored.
	if err := f.c.End(f.agent, id); err != nil {
		t.Fatal(err)
	}
	id2 := f.chat(t, f.customer2, f.agent)
	if row := floorRow(t, f.c, f.sup, id2); len(row.Monitors) != 0 {
		t.Fatalf("a used next-call watch monitored again: %+v", row.Monitors)
	}
}

// A continuous watch monitors every conversation until cancelled.
func TestWatchAllUntilCancelled(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	wv, err := f.c.Watch(f.sup, WatchParams{Agent: "alex", Scope: WatchAll, Reason: "coaching week"})
	if err != nil {
		t.Fatal(err)
	}
	for i, cust := range []*recorder{f.customer, f.customer2} {
		id := f.chat(t, cust, f.agent)
		if row := floorRow(t, f.c, f.sup, id); len(row.Monitors) != 1 {
			t.Fatalf("conversation %d: monitors %+v", i, row.Monitors)
		}
		if err := f.c.End(f.agent, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.c.Unwatch(f.sup, wv.WatchID); err != nil {
		t.Fatal(err)
	}
	f.sup.waitFor(t, 0, EventMonitorWatchEnded, endedWith(watchEndCancelled))
	un := auditorOf(f.c).waitAction(t, AuditMonitorUnwatch)
	if details(t, un)["watch_id"] != string(wv.WatchID) {
		t.Fatalf("monitor.unwatch audit %v", details(t, un))
	}
	if ws, _ := f.c.Watches(f.sup); len(ws) != 0 {
		t.Fatalf("watches after cancel: %+v", ws)
	}
	id := f.chat(t, f.customer, f.agent)
	if row := floorRow(t, f.c, f.sup, id); len(row.Monitors) != 0 {
		t.Fatalf("a cancelled watch monitored: %+v", row.Monitors)
	}
}

// Two supervisors watch the same agent's next voice call; the
// silent-monitor limit (1) lets the first in and refuses the second, who is
// told why. The first connects its leg with monitor.connect.
func TestWatchRespectsSilentMonitorLimit(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	w1, err := f.c.Watch(f.sup, WatchParams{Agent: "alex", Scope: WatchNext})
	if err != nil {
		t.Fatal(err)
	}
	w2, err := f.c.Watch(f.sup2, WatchParams{Agent: "alex", Scope: WatchNext})
	if err != nil {
		t.Fatal(err)
	}
	id := f.voice(t, f.customer, f.agent)
	raw, _ := f.sup.waitFor(t, 0, EventMonitorWatchStarted, watchIs(w1.WatchID))
	if !strings.Contains(string(raw), `"connect":true`) {
		t.Fatalf("voice watch_started without connect: %s", raw)
	}
	raw, _ = f.sup2.waitFor(t, 0, EventMonitorWatchRefused, watchIs(w2.WatchID))
	var wr watchRefused
	if err := json.Unmarshal(raw, &wr); err != nil || wr.Code != ErrMonitorLimit.Code || wr.ConversationID != id {
		t.Fatalf("watch_refused %s", raw)
	}
	refusal := auditorOf(f.c).waitAction(t, AuditMonitorWatchRefused)
	if refusal.Actor != "sid" || details(t, refusal)["code"] != ErrMonitorLimit.Code {
		t.Fatalf("monitor.watch_refused audit %+v", refusal)
	}
	// monitor.start is refused too while the watcher holds the place.
	_, err = f.c.Monitor(context.Background(), f.sup2, MonitorParams{ConversationID: id, Offer: pionOffer(t, "sup2")})
	mustCode(t, err, ErrMonitorLimit.Code)

	ctx := context.Background()
	_, err = f.c.ConnectMonitor(ctx, f.sup2, ConnectParams{ConversationID: id, Offer: pionOffer(t, "x")})
	mustCode(t, err, ErrNotMonitoring.Code)
	_, err = f.c.ConnectMonitor(ctx, f.sup, ConnectParams{ConversationID: id})
	mustCode(t, err, ErrOfferRequired.Code)
	answer, err := f.c.ConnectMonitor(ctx, f.sup, ConnectParams{ConversationID: id, Offer: pionOffer(t, "supervisor")})
	if err != nil || !strings.HasPrefix(answer, "v=0") {
		t.Fatalf("connect: %v %q", err, answer)
	}
	_, err = f.c.ConnectMonitor(ctx, f.sup, ConnectParams{ConversationID: id, Offer: pionOffer(t, "again")})
	mustCode(t, err, ErrBadState.Code)
}

// A watcher that never connects its voice leg does not hold the
// silent-monitor place for ever.
func TestWatchConnectTimeout(t *testing.T) {
	pol := DefaultPolicy()
	pol.WatchConnectTimeout = 50 * time.Millisecond
	f := newFloor(t, pol)
	if _, err := f.c.Watch(f.sup, WatchParams{Agent: "alex", Scope: WatchNext}); err != nil {
		t.Fatal(err)
	}
	id := f.voice(t, f.customer, f.agent)
	f.sup.waitFor(t, 0, EventMonitorEnded, endedWith(EndNotConnected.String()))
	if row := floorRow(t, f.c, f.sup, id); len(row.Monitors) != 0 {
		t.Fatalf("monitors after the connect timeout: %+v", row.Monitors)
	}
	f.monitorVoice(t, f.sup2, id) // the place is free again
}

// Watches end with their session and when the supervisor loses the team.
func TestWatchEndsWithSessionAndPrivileges(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	if _, err := f.c.Watch(f.sup, WatchParams{Agent: "alex", Scope: WatchAll}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.Watch(f.sup2, WatchParams{Agent: "alex", Scope: WatchAll}); err != nil {
		t.Fatal(err)
	}
	f.c.Disconnect(f.sup, true)
	ev := auditorOf(f.c).waitAction(t, AuditMonitorWatchEnd)
	if ev.Actor != "sam" || details(t, ev)["reason"] != watchEndSessionEnd {
		t.Fatalf("watch end audit %+v", ev)
	}
	old := f.sup2.Identity()
	updated := ident("sid", "Sid", "t1", auth.RoleSupervisor, "team-b")
	f.sup2.setIdentity(updated)
	if err := f.c.Refresh(f.sup2, old, updated); err != nil {
		t.Fatal(err)
	}
	f.sup2.waitFor(t, 0, EventMonitorWatchEnded, endedWith(watchEndRevoked))
	id := f.chat(t, f.customer, f.agent)
	f.c.mu.Lock()
	n := len(f.c.conversations[id].supervisors())
	f.c.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d supervisors joined through ended watches", n)
	}
}
