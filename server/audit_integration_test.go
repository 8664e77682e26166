package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
	"github.com/earshot/earshot/store/sqlite"
)

// flakyStore is a real store whose commits fail while fail is set, as a
// full disk or a lost database would.
type flakyStore struct {
	store.Store
	fail atomic.Bool
}

func (f *flakyStore) Commit(ctx context.Context, b store.Batch) error {
	if f.fail.Load() {
		return errors.New("disk I/O error")
	}
	return f.Store.Commit(ctx, b)
}

func floorMode(t *testing.T, sup *party, conv string) string {
	t.Helper()
	var fl struct {
		Conversations []struct {
			ConversationID string `json:"conversation_id"`
			Monitors       []struct {
				Mode string `json:"mode"`
			} `json:"monitors"`
		} `json:"conversations"`
	}
	sup.do(t, "floor.conversations", nil, &fl)
	for _, c := range fl.Conversations {
		if c.ConversationID == conv && len(c.Monitors) == 1 {
			return c.Monitors[0].Mode
		}
	}
	return ""
}

// When the audit row cannot be committed the action is refused over the
// wire, with a stable code, and nothing changes; the same action succeeds
// once the store is back.
func TestActionRefusedWhenStoreFails(t *testing.T) {
	st, err := sqlite.Open(context.Background(), sqlite.Params{Path: filepath.Join(t.TempDir(), "earshot.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	flaky := &flakyStore{Store: st}
	ts := startServer(t, func(c *Config) { c.Store.override = flaky })
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	sup := newParty(t, ts, "supervisor", ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))
	conv := chatCall(t, cust, agent)
	sup.do(t, "monitor.start", map[string]string{"conversation_id": conv, "reason": "qa"}, nil)

	flaky.fail.Store(true)
	agentMark := agent.sig.Mark()
	sup.refused(t, "monitor.set_mode", map[string]string{"conversation_id": conv, "mode": "whisper"}, "audit_unavailable")
	sup.refused(t, "chat.send", map[string]string{"conversation_id": conv, "kind": "whisper", "text": "psst"}, "audit_unavailable")
	sup.refused(t, "monitor.take_over", map[string]string{"conversation_id": conv}, "audit_unavailable")
	agent.refused(t, "help.raise", map[string]string{"conversation_id": conv, "reason": "x"}, "audit_unavailable")
	if m := floorMode(t, sup, conv); m != "listen" {
		t.Fatalf("mode after refused switch: %q", m)
	}
	// The agent was told nothing: no "coached", no whisper, no new owner.
	for _, e := range agent.sig.Events()[agentMark:] {
		t.Fatalf("agent received %s %s during refused actions", e.Type, e.Data)
	}
	flaky.fail.Store(false)
	sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": conv, "mode": "whisper"}, nil)
	if m := floorMode(t, sup, conv); m != "whisper" {
		t.Fatalf("mode after the store came back: %q", m)
	}
}

// apiGet calls the reporting API with a bearer token.
func apiGet(t *testing.T, ts *testServer, path, token string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && json.Unmarshal(b, out) != nil {
		t.Fatalf("%s: %s", path, b)
	}
	return resp.StatusCode
}

type apiEvents struct {
	Events []store.AuditEvent `json:"events"`
}

// Two tenants audit on one server; each supervisor's search, export and
// history see its own tenant only.
func TestAuditSearchIsTenantScoped(t *testing.T) {
	ts := startServer(t, nil)
	ident := func(tenant auth.TenantID, user string, role auth.Role, teams ...auth.TeamID) string {
		return ts.tokenFor(t, auth.Identity{Subject: auth.UserID(user), Name: user, Tenant: tenant, Roles: []auth.Role{role}, Teams: teams}, time.Hour)
	}
	convs := map[auth.TenantID]string{}
	sups := map[auth.TenantID]string{}
	for _, tenant := range []auth.TenantID{"t1", "t2"} {
		cust := newParty(t, ts, "customer-"+string(tenant), ident(tenant, "carla", auth.RoleCustomer))
		agent := newParty(t, ts, "agent-"+string(tenant), ident(tenant, "alex", auth.RoleAgent, "team-a"))
		sups[tenant] = ident(tenant, "sam", auth.RoleSupervisor, "team-a")
		sup := newParty(t, ts, "sup-"+string(tenant), sups[tenant])
		convs[tenant] = chatCall(t, cust, agent)
		sup.do(t, "monitor.start", map[string]string{"conversation_id": convs[tenant], "reason": "qa " + string(tenant)}, nil)
		sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": convs[tenant], "mode": "barge"}, nil)
	}
	for tenant, tok := range sups {
		other := convs["t2"]
		if tenant == "t2" {
			other = convs["t1"]
		}
		for _, q := range []string{"", "?conversation_id=" + other, "?actor=sam", "?action=monitor.start,monitor.barge"} {
			var page apiEvents
			if st := apiGet(t, ts, "/api/v1/audit/events"+q, tok, &page); st != http.StatusOK {
				t.Fatalf("%s %q: status %d", tenant, q, st)
			}
			for _, e := range page.Events {
				if e.Tenant != tenant || e.ConversationID == other {
					t.Fatalf("%s's search %q returned %+v", tenant, q, e)
				}
			}
			if q == "" && len(page.Events) != 2 {
				t.Fatalf("%s sees %d events, want its 2", tenant, len(page.Events))
			}
		}
		if st := apiGet(t, ts, "/api/v1/conversations/"+other, tok, nil); st != http.StatusNotFound {
			t.Fatalf("%s read the other tenant's conversation: %d", tenant, st)
		}
	}
	if st := apiGet(t, ts, "/api/v1/audit/events", ident("t1", "alex", auth.RoleAgent, "team-a"), nil); st != http.StatusForbidden {
		t.Fatalf("agent searched the audit trail: %d", st)
	}
}

// populate runs a few audited actions on a server and stops it.
func populate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ts := startServer(t, func(c *Config) { c.DataDir = dir })
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	sup := newParty(t, ts, "supervisor", ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))
	conv := chatCall(t, cust, agent)
	sup.do(t, "monitor.start", map[string]string{"conversation_id": conv, "reason": "qa"}, nil)
	for _, m := range []string{"whisper", "barge", "listen"} {
		sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": conv, "mode": m}, nil)
	}
	sup.do(t, "monitor.leave", map[string]string{"conversation_id": conv}, nil)
	sup.sig.Close()
	agent.sig.Close()
	cust.sig.Close()
	ts.shutdown(t)
	return dir
}

func runVerify(t *testing.T, dir string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"audit", "verify", "-data", dir}, func(string) string { return "" }, &out, &errOut)
	return code, out.String() + errOut.String()
}

// "earshot audit verify" finds the chain intact, then reports the first
// broken link of a modified row and of a deleted row.
func TestAuditVerifyCommand(t *testing.T) {
	for _, tc := range []struct {
		name, tamper, want string
	}{
		{"modified", `UPDATE audit_events SET details = '{"reason":"nothing to see"}' WHERE seq = 1`, "BROKEN at seq 1: content does not match its hash (row modified)"},
		{"deleted", `DELETE FROM audit_events WHERE seq = 3`, "BROKEN at seq 3: row 3 is missing (deleted)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := populate(t)
			code, out := runVerify(t, dir)
			if code != 0 || !strings.Contains(out, "tenant t1: 5 events (seq 1..5): chain intact") {
				t.Fatalf("untouched chain: exit %d\n%s", code, out)
			}
			db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
			if err != nil {
				t.Fatal(err)
			}
			// The database refuses the change until its guards are dropped.
			if _, err := db.Exec(tc.tamper); err == nil {
				t.Fatal("the append-only guard let the row change")
			}
			for _, q := range []string{`DROP TRIGGER audit_events_no_update`, `DROP TRIGGER audit_events_no_delete`, tc.tamper} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			_ = db.Close()
			code, out = runVerify(t, dir)
			if code != 1 || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, want 1 with %q:\n%s", code, tc.want, out)
			}
		})
	}
}

// "earshot audit purge" applies retention once; recent rows stay.
func TestAuditPurgeCommand(t *testing.T) {
	dir := populate(t)
	var out bytes.Buffer
	env := func(string) string { return "" }
	if code := run(context.Background(), []string{"audit", "purge", "-data", dir}, env, &out, &out); code != 2 || !strings.Contains(out.String(), "no retention configured") {
		t.Fatalf("purge without an age: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"audit", "purge", "-older-than", "1h", "-data", dir}, env, &out, &out); code != 0 || !strings.Contains(out.String(), "nothing older than 1h0m0s") {
		t.Fatalf("purge: exit %d\n%s", code, out.String())
	}
	if code, out := runVerify(t, dir); code != 0 || !strings.Contains(out, "5 events") {
		t.Fatalf("after purge: exit %d\n%s", code, out)
	}
}
