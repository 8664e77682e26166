package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
	"github.com/earshot/earshot/store/postgres"
)

// chatStores are the stores the chat cases run against: SQLite always,
// and PostgreSQL when one is reachable (EARSHOT_TEST_POSTGRES_DSN, default
// the project machines' server), because PostgreSQL refuses some text that
// SQLite stores (a NUL).
func chatStores(t *testing.T) map[string]func(*Config) {
	t.Helper()
	stores := map[string]func(*Config){"sqlite": nil}
	dsn := os.Getenv("EARSHOT_TEST_POSTGRES_DSN")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err == nil {
		err = conn.Ping(ctx)
		_ = conn.Close(ctx)
	}
	if err != nil {
		if os.Getenv("EARSHOT_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL not reachable: %v", err)
		}
		t.Logf("PostgreSQL not reachable (%v): the chat cases run on SQLite only", err)
		return stores
	}
	stores["postgres"] = func(c *Config) {
		var b [6]byte
		_, _ = rand.Read(b[:])
		schema := "earshot_hostile_" + hex.EncodeToString(b[:])
		c.Store.Driver, c.Store.DSN, c.Store.Schema = "postgres", dsn, schema
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := postgres.DropSchema(ctx, dsn, schema); err != nil {
				t.Errorf("drop schema %s: %v", schema, err)
			}
		})
	}
	return stores
}

// Hostile chat text and display names: what cannot be stored is refused
// and changes nothing; everything else is stored and delivered verbatim,
// as data, and changes nothing but the one message.
func TestHostileChat(t *testing.T) {
	for name, mutate := range chatStores(t) {
		t.Run(name, func(t *testing.T) { hostileChat(t, mutate) })
	}
}

func hostileChat(t *testing.T, mutate func(*Config)) {
	w := newWorld(t, mutate)
	ts := w.ts
	chat := func(kind, text string) map[string]string {
		return map[string]string{"conversation_id": w.conv, "kind": kind, "text": text}
	}

	t.Run("1 MB chat message", func(t *testing.T) {
		before := snapshot(t, ts)
		r := rawAuthed(t, ts, ts.token(t, "carla", "Carla", auth.RoleCustomer))
		frame, _ := json.Marshal(map[string]any{"v": 1, "id": "big", "type": "chat.send", "data": chat("public", strings.Repeat("A", 1<<20))})
		r.write(websocket.TextMessage, frame)
		frames := r.closedWith(websocket.CloseMessageTooBig, "frame_too_large")
		if len(responses(frames)) != 0 {
			t.Fatalf("responses to an oversized frame: %+v", responses(frames))
		}
		w.intact(t, before)
	})

	for _, tc := range []refusal{
		{"one byte over the message limit", w.cust, "chat.send", chat("public", strings.Repeat("B", 4001)), "message_invalid"},
		{"60 KB message", w.agent, "chat.send", chat("whisper", strings.Repeat("C", 60<<10)), "message_invalid"},
		{"white space only", w.cust, "chat.send", chat("public", " \t\r\n\u00a0\u2028 "), "message_invalid"},
		{"a NUL character", w.cust, "chat.send", chat("public", "before\x00after"), "message_invalid"},
		{"only a NUL character", w.agent, "chat.send", chat("whisper", "\x00"), "message_invalid"},
		{"a NUL in a help reason", w.agent, "help.raise", map[string]string{"conversation_id": w.conv, "reason": "help\x00me"}, "bad_request"},
		{"a NUL in a help comment", w.agent, "help.raise", map[string]string{"conversation_id": w.conv, "reason": "help", "comment": "x\x00"}, "bad_request"},
		{"an unknown kind", w.cust, "chat.send", chat("<script>", "hi"), "bad_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, ts)
			tc.p.refused(t, tc.typ, tc.data, tc.code)
			w.intact(t, before)
		})
	}

	// Accepted text: delivered and stored exactly as sent (after trimming
	// surrounding white space), and nothing else changes.
	for _, tc := range []struct {
		name, kind, text string
		from             *party
		to               []*party
	}{
		{"control characters", "public", "bell\a esc\x1b[31mred\x1b[0m back\bspace \u202egnp.exe\u202c del\x7f tab\tend", w.cust, []*party{w.agent, w.sup}},
		{"HTML", "public", `<script>alert(1)</script><img src=x onerror="alert(2)"> &amp; &lt;b&gt; </textarea>`, w.agent, []*party{w.cust, w.sup}},
		{"HTML whisper", "whisper", `<iframe src="javascript:alert(3)"></iframe>{{constructor.constructor('alert(4)')()}}`, w.sup, []*party{w.agent}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, ts)
			marks := make([]int, len(tc.to))
			for i, p := range tc.to {
				marks[i] = p.sig.Mark()
			}
			custMark := w.cust.sig.Mark()
			var resp struct {
				Message struct {
					ID   string `json:"id"`
					Text string `json:"text"`
				} `json:"message"`
			}
			tc.from.do(t, "chat.send", chat(tc.kind, tc.text), &resp)
			if resp.Message.Text != tc.text {
				t.Fatalf("response text %q, sent %q", resp.Message.Text, tc.text)
			}
			for i, p := range tc.to {
				ev, err := p.sig.WaitEvent(ctxT(t), marks[i], "chat.message", nil)
				if err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
				var m struct{ Text string }
				_ = json.Unmarshal(ev.Data, &m)
				if m.Text != tc.text {
					t.Fatalf("%s received %q, sent %q", p.name, m.Text, tc.text)
				}
			}
			if tc.kind == "whisper" {
				for _, e := range w.cust.sig.Events()[custMark:] {
					t.Fatalf("the customer received %s during a whisper", e.Type)
				}
			}
			var tr struct {
				Messages []struct{ Text string } `json:"messages"`
			}
			w.agent.do(t, "conversation.transcript", map[string]string{"conversation_id": w.conv}, &tr)
			if n := len(tr.Messages); n == 0 || tr.Messages[n-1].Text != tc.text {
				t.Fatalf("transcript ends with %+v", tr.Messages)
			}
			// The store holds it verbatim; apart from it (and the audit row
			// of a supervisor's whisper) nothing changed.
			after := snapshot(t, ts)
			hist := &store.ConversationHistory{}
			for i := range after.History["t1"] {
				if after.History["t1"][i].Conversation.ID == w.conv {
					hist = &after.History["t1"][i]
				}
			}
			var stored *store.MessageRecord
			for i := range hist.Messages {
				if hist.Messages[i].ID == resp.Message.ID {
					stored = &hist.Messages[i]
				}
			}
			if stored == nil || stored.Text != tc.text {
				t.Fatalf("stored transcript lacks the message verbatim: %+v", hist)
			}
			// want is before plus the stored message; messages are compared
			// in ID order so that the store's own order does not matter.
			want := before
			want.History = map[auth.TenantID][]store.ConversationHistory{}
			for tn, hs := range before.History {
				for _, h := range hs {
					if h.Conversation.ID == w.conv {
						h.Messages = append(slices.Clone(h.Messages), *stored)
					}
					want.History[tn] = append(want.History[tn], h)
				}
			}
			byID := func(s state) {
				for _, hs := range s.History {
					for _, h := range hs {
						slices.SortFunc(h.Messages, func(a, b store.MessageRecord) int { return strings.Compare(a.ID, b.ID) })
					}
				}
			}
			byID(want)
			byID(after)
			if tc.from == w.sup {
				evs, err := ts.a.storage.store.ScanAudit(ctxT(t), "t1", before.Heads["t1"].Seq, 10)
				if err != nil || len(evs) != 1 || evs[0].Action != "chat.whisper" {
					t.Fatalf("audit after a whisper: %+v %v", evs, err)
				}
				want.Heads = map[auth.TenantID]store.ChainLink{"t1": after.Heads["t1"], "t2": before.Heads["t2"]}
			}
			if !reflect.DeepEqual(want, after) {
				b, _ := json.Marshal(want)
				a, _ := json.Marshal(after)
				t.Fatalf("state changed beyond the message:\nwant %s\ngot  %s", b, a)
			}
			w.serves(t, after)
		})
	}

	// Display names are whatever the identity provider says: shown to others
	// verbatim, as data.
	t.Run("HTML and control characters in display names", func(t *testing.T) {
		name := "<img src=x onerror=alert(5)>\x1b[2J Mallory\u202e"
		bea := newParty(t, ts, "bea", ts.token(t, "bea", "<b>Bea</b>", auth.RoleAgent, "team-a"))
		bea.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
		mal := newParty(t, ts, "mallory", ts.token(t, "mallory", name, auth.RoleCustomer))
		if mal.sig.Session.Identity.Name != name {
			t.Fatalf("auth returned the name %q", mal.sig.Session.Identity.Name)
		}
		before := snapshot(t, ts)
		var start startResp
		mal.do(t, "conversation.start", map[string]string{"queue": "support", "channel": "chat"}, &start)
		ev, err := bea.sig.WaitEvent(ctxT(t), 0, "conversation.offered", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(ev.Data), mustJSON(t, name)) {
			t.Fatalf("the agent was offered %s, without the name %q verbatim", ev.Data, name)
		}
		bea.do(t, "conversation.accept", map[string]string{"conversation_id": start.Conversation.ConversationID}, nil)
		barrier(t, ts)
		h, err := ts.a.storage.store.ConversationHistory(ctxT(t), "t1", start.Conversation.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, p := range h.Participants {
			names[p.Name] = true
		}
		if !names[name] || !names["<b>Bea</b>"] {
			t.Fatalf("stored participants %+v", h.Participants)
		}
		w.serves(t, before)
	})

	t.Run("pages carry a Content-Security-Policy", func(t *testing.T) {
		checkPagesCSP(t, ts)
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkPagesCSP fetches the start page and the apps: each response carries a
// policy that allows no inline script and no foreign origin, and each page
// served contains no inline script or event handler the policy would block.
func checkPagesCSP(t *testing.T, ts *testServer) {
	t.Helper()
	host := strings.TrimPrefix(ts.base, "http://")
	inline := regexp.MustCompile(`(?is)<script\b[^>]*>\s*[^<\s]|\son[a-z]+\s*=|javascript:`)
	for _, page := range []string{"/", "/customer/", "/agent/", "/supervisor/", "/audit/", "/healthz", "/nope"} {
		resp, err := http.Get(ts.base + page)
		if err != nil {
			t.Fatal(err)
		}
		body := make([]byte, 1<<20)
		n, _ := resp.Body.Read(body)
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		directives := map[string][]string{}
		for _, d := range strings.Split(csp, ";") {
			if f := strings.Fields(d); len(f) > 0 {
				directives[f[0]] = f[1:]
			}
		}
		for name, want := range map[string][]string{
			"default-src":     {"'self'"},
			"script-src":      {"'self'"},
			"object-src":      {"'none'"},
			"frame-ancestors": {"'none'"},
			"base-uri":        {"'none'"},
		} {
			if !reflect.DeepEqual(directives[name], want) {
				t.Errorf("%s: %s is %q, want %q (policy %q)", page, name, directives[name], want, csp)
			}
		}
		for _, src := range []string{"'self'", "ws://" + host, "wss://" + host} {
			if !strings.Contains(" "+strings.Join(directives["connect-src"], " ")+" ", " "+src+" ") {
				t.Errorf("%s: connect-src %q lacks %s", page, directives["connect-src"], src)
			}
		}
		if strings.Contains(csp, "unsafe-") || strings.Contains(csp, "*") {
			t.Errorf("%s: policy %q allows unsafe sources", page, csp)
		}
		if resp.StatusCode == http.StatusOK && strings.Contains(resp.Header.Get("Content-Type"), "text/html") && inline.Match(body[:n]) {
			t.Errorf("%s has inline script the policy blocks: %q", page, inline.Find(body[:n]))
		}
	}
}

// The consoles render chat text and names as text: no source file of the
// browser apps injects HTML.
func TestHostileConsolesNeverInjectHTML(t *testing.T) {
	sink := regexp.MustCompile(`dangerouslySetInnerHTML|\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(`)
	files := 0
	err := filepath.WalkDir(filepath.Join("..", "client", "src"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".ts") || strings.HasSuffix(path, ".tsx")) {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if loc := sink.FindIndex(b); loc != nil {
			t.Errorf("%s injects HTML or evaluates code: %q", path, b[loc[0]:loc[1]])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Fatalf("found only %d source files under client/src", files)
	}
}
