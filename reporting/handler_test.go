package reporting

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
	"github.com/earshot/earshot/store/sqlite"
)

type fixture struct {
	srv  *httptest.Server
	hmac *auth.HMAC
	st   *sqlite.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(context.Background(), sqlite.Params{Path: filepath.Join(t.TempDir(), "earshot.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	h, err := auth.NewHMAC(auth.HMACParams{Secret: []byte(strings.Repeat("k", 32)), Issuer: "earshot", Audience: "earshot"})
	if err != nil {
		t.Fatal(err)
	}
	handler, err := NewHandler(Params{Store: st, Verifier: h, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return t0.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	var evs []store.AuditEvent
	for i, e := range []struct{ tenant, actor, conv, action string }{
		{"t1", "sam", "c1", "monitor.start"},
		{"t1", "sam", "c1", "monitor.whisper"},
		{"t1", "=cmd", "c1", "monitor.barge"},
		{"t1", "sid", "c2", "monitor.start"},
		{"t2", "olga", "c9", "monitor.start"},
		{"t2", "olga", "c9", "monitor.barge"},
	} {
		evs = append(evs, store.AuditEvent{Tenant: auth.TenantID(e.tenant), Actor: auth.UserID(e.actor), ActorName: e.actor,
			Role: "supervisor", ConversationID: e.conv, Agent: "alex", Action: e.action, At: t0.Add(time.Duration(i) * time.Minute), ID: e.action + e.conv})
	}
	if err := st.Commit(context.Background(), store.Batch{
		Audit:         evs,
		Conversations: []store.ConversationRecord{{ID: "c9", Tenant: "t2", Channel: "chat", CreatedAt: t0}, {ID: "c1", Tenant: "t1", Channel: "voice", CreatedAt: t0}},
		HelpRequests:  []store.HelpRequest{{ID: "h9", Tenant: "t2", ConversationID: "c9", Status: "open", RaisedAt: t0}},
	}); err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, hmac: h, st: st}
}

func (f *fixture) token(t *testing.T, user string, tenant auth.TenantID, roles ...auth.Role) string {
	t.Helper()
	tok, err := f.hmac.Mint(auth.MintParams{Identity: auth.Identity{Subject: auth.UserID(user), Name: user, Tenant: tenant, Roles: roles}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// get fetches path with token and decodes JSON into out; it returns the status.
func (f *fixture) get(t *testing.T, path, token string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		body, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s: %v: %s", path, err, body)
		}
	}
	return resp.StatusCode
}

func TestAuthRequired(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name   string
		token  string
		status int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"bad token", "nope", http.StatusUnauthorized},
		{"agent", f.token(t, "alex", "t1", auth.RoleAgent), http.StatusForbidden},
		{"customer", f.token(t, "carla", "t1", auth.RoleCustomer), http.StatusForbidden},
		{"supervisor", f.token(t, "sam", "t1", auth.RoleSupervisor), http.StatusOK},
		{"admin", f.token(t, "ada", "t1", auth.RoleAdmin), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body map[string]any
			if got := f.get(t, "/api/v1/audit/events", tc.token, &body); got != tc.status {
				t.Fatalf("status %d, want %d (%v)", got, tc.status, body)
			}
		})
	}
	// A token in the URL is not a token.
	resp, err := http.Get(f.srv.URL + "/api/v1/audit/events?access_token=" + f.token(t, "sam", "t1", auth.RoleSupervisor))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("token in URL: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v1/audit/events", nil)
	req.Header.Set("Authorization", "Bearer "+f.token(t, "sam", "t1", auth.RoleSupervisor))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
}

// A supervisor sees its own tenant only, whatever it asks for.
func TestSearchIsTenantScoped(t *testing.T) {
	f := newFixture(t)
	sam := f.token(t, "sam", "t1", auth.RoleSupervisor)
	for _, q := range []string{"", "?conversation_id=c9", "?actor=olga", "?action=monitor.barge", "?tenant=t2"} {
		var page eventsPage
		if st := f.get(t, "/api/v1/audit/events"+q, sam, &page); st != http.StatusOK {
			t.Fatalf("%s: %d", q, st)
		}
		for _, e := range page.Events {
			if e.Tenant != "t1" {
				t.Fatalf("%q returned %+v of another tenant", q, e)
			}
		}
	}
	var page eventsPage
	f.get(t, "/api/v1/audit/events?actor=sam&action=monitor.whisper,monitor.start", sam, &page)
	if len(page.Events) != 2 {
		t.Fatalf("filtered: %+v", page.Events)
	}
	var body map[string]any
	if st := f.get(t, "/api/v1/conversations/c9", sam, &body); st != http.StatusNotFound {
		t.Fatalf("other tenant's conversation: %d %v", st, body)
	}
	if st := f.get(t, "/api/v1/conversations/c1", sam, &body); st != http.StatusOK {
		t.Fatalf("own conversation: %d", st)
	}
	var help map[string][]store.HelpRequest
	f.get(t, "/api/v1/help-requests", sam, &help)
	if len(help["help_requests"]) != 0 {
		t.Fatalf("other tenant's help requests: %+v", help)
	}
	var csvBody string
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/api/v1/audit/events.csv", nil)
	req.Header.Set("Authorization", "Bearer "+sam)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csvBody = string(b)
	if strings.Contains(csvBody, "olga") || strings.Contains(csvBody, "t2") {
		t.Fatalf("CSV holds another tenant's rows:\n%s", csvBody)
	}
}

func TestPaginationAndCSV(t *testing.T) {
	f := newFixture(t)
	sam := f.token(t, "sam", "t1", auth.RoleSupervisor)
	var seqs []int64
	path := "/api/v1/audit/events?limit=3&order=asc"
	for i := 0; ; i++ {
		if i > 5 {
			t.Fatal("pagination does not end")
		}
		var page eventsPage
		if st := f.get(t, path, sam, &page); st != http.StatusOK {
			t.Fatalf("status %d", st)
		}
		for _, e := range page.Events {
			seqs = append(seqs, e.Seq)
		}
		if page.NextCursor == "" {
			break
		}
		path = "/api/v1/audit/events?limit=3&order=asc&cursor=" + page.NextCursor
		if i == 0 {
			var bad map[string]any
			if st := f.get(t, "/api/v1/audit/events?order=desc&cursor="+page.NextCursor, sam, &bad); st != http.StatusBadRequest {
				t.Fatalf("cursor reused with the other order: %d", st)
			}
		}
	}
	if len(seqs) != 4 || seqs[0] != 1 || seqs[3] != 4 {
		t.Fatalf("paged seqs %v", seqs)
	}
	for _, q := range []string{"?from=yesterday", "?limit=0", "?limit=5000", "?order=sideways", "?cursor=zzz", "?from=2026-03-12T10:00:00Z&to=2026-03-12T09:00:00Z"} {
		var body map[string]any
		if st := f.get(t, "/api/v1/audit/events"+q, sam, &body); st != http.StatusBadRequest {
			t.Fatalf("%s: %d", q, st)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/api/v1/audit/events.csv?actor=%3Dcmd", nil)
	req.Header.Set("Authorization", "Bearer "+sam)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != "tenant" || rows[1][4] != "'=cmd" || rows[1][9] != "monitor.barge" {
		t.Fatalf("csv %v", rows)
	}
}

func TestSummaryAndVerify(t *testing.T) {
	f := newFixture(t)
	sam := f.token(t, "sam", "t1", auth.RoleSupervisor)
	var s Summary
	if st := f.get(t, "/api/v1/audit/summary?from=2026-03-12T08:00:00Z&to=2026-03-12T12:00:00Z", sam, &s); st != http.StatusOK {
		t.Fatalf("status %d", st)
	}
	if len(s.Supervisors) != 3 { // sam, =cmd, sid (not olga of t2)
		t.Fatalf("summary %+v", s.Supervisors)
	}
	var body map[string]any
	if st := f.get(t, "/api/v1/audit/verify", sam, &body); st != http.StatusForbidden {
		t.Fatalf("verify by a supervisor: %d", st)
	}
	var rep verifyReport
	if st := f.get(t, "/api/v1/audit/verify", f.token(t, "ada", "t1", auth.RoleAdmin), &rep); st != http.StatusOK || !rep.OK || rep.Events != 4 || rep.Tenant != "t1" {
		t.Fatalf("verify %d %+v", st, rep)
	}
}
