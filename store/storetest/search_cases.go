package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/earshot/earshot/store"
)

// Every filter narrows the search, and nothing of another tenant is ever
// returned, whatever the filters.
func testSearch(t *testing.T, newHarness Factory) {
	h := newHarness(t)
	mk := func(tenant, actor, agent, conv, action string, sec int) store.AuditEvent {
		e := ev(tenant, actor, action, base.Add(time.Duration(sec)*time.Second))
		e.Agent, e.ConversationID = authUser(agent), conv
		return e
	}
	commit(t, h.Store, store.Batch{Audit: []store.AuditEvent{
		mk("t1", "sam", "alex", "c1", "monitor.start", 0),
		mk("t1", "sam", "alex", "c1", "monitor.whisper", 10),
		mk("t1", "sid", "bea", "c2", "monitor.start", 20),
		mk("t1", "sid", "bea", "c2", "monitor.barge", 30),
		mk("t1", "alex", "alex", "c1", "help.raise", 40),
		mk("t2", "sam", "alex", "c1", "monitor.start", 5), // same names, other tenant
	}})
	actions := func(q store.AuditQuery) []string {
		t.Helper()
		p, err := h.Store.SearchAudit(ctxT(t), q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range p.Events {
			if e.Tenant != q.Tenant {
				t.Fatalf("search in %s returned an event of %s", q.Tenant, e.Tenant)
			}
			out = append(out, e.Action)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    store.AuditQuery
		want []string
	}{
		{"all", store.AuditQuery{Tenant: "t1"}, []string{"monitor.start", "monitor.whisper", "monitor.start", "monitor.barge", "help.raise"}},
		{"time range", store.AuditQuery{Tenant: "t1", From: base.Add(10 * time.Second), To: base.Add(30 * time.Second)}, []string{"monitor.whisper", "monitor.start"}},
		{"actor", store.AuditQuery{Tenant: "t1", Actor: "sid"}, []string{"monitor.start", "monitor.barge"}},
		{"agent", store.AuditQuery{Tenant: "t1", Agent: "alex"}, []string{"monitor.start", "monitor.whisper", "help.raise"}},
		{"conversation", store.AuditQuery{Tenant: "t1", ConversationID: "c2"}, []string{"monitor.start", "monitor.barge"}},
		{"actions", store.AuditQuery{Tenant: "t1", Actions: []string{"monitor.barge", "help.raise"}}, []string{"monitor.barge", "help.raise"}},
		{"combined", store.AuditQuery{Tenant: "t1", Actor: "sam", Actions: []string{"monitor.whisper"}}, []string{"monitor.whisper"}},
		{"newest first", store.AuditQuery{Tenant: "t1", Actor: "sam", Desc: true}, []string{"monitor.whisper", "monitor.start"}},
		{"other tenant", store.AuditQuery{Tenant: "t2"}, []string{"monitor.start"}},
		{"unknown tenant", store.AuditQuery{Tenant: "t3"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := actions(tc.q)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
	t.Run("no tenant", func(t *testing.T) {
		if _, err := h.Store.SearchAudit(ctxT(t), store.AuditQuery{}); !errors.Is(err, store.ErrBadQuery) {
			t.Fatalf("search without tenant: %v", err)
		}
	})
}

// Pages follow each other through the cursor, in both orders, without
// losing or repeating an event.
func testPagination(t *testing.T, newHarness Factory) {
	h := newHarness(t)
	const n = 23
	var evs []store.AuditEvent
	for i := 0; i < n; i++ {
		evs = append(evs, ev("t1", "sam", "monitor.listen", base.Add(time.Duration(i)*time.Millisecond)))
	}
	commit(t, h.Store, store.Batch{Audit: evs})
	for _, desc := range []bool{false, true} {
		var seqs []int64
		q := store.AuditQuery{Tenant: "t1", Limit: 5, Desc: desc}
		for pages := 0; ; pages++ {
			if pages > n {
				t.Fatal("pagination does not end")
			}
			p, err := h.Store.SearchAudit(ctxT(t), q)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Events) > 5 {
				t.Fatalf("page of %d events, limit 5", len(p.Events))
			}
			for _, e := range p.Events {
				seqs = append(seqs, e.Seq)
			}
			if p.Next == 0 {
				break
			}
			q.After = p.Next
		}
		if len(seqs) != n {
			t.Fatalf("desc=%v: paged %d events, want %d", desc, len(seqs), n)
		}
		for i, s := range seqs {
			want := int64(i + 1)
			if desc {
				want = int64(n - i)
			}
			if s != want {
				t.Fatalf("desc=%v: seqs %v", desc, seqs)
			}
		}
	}
}
