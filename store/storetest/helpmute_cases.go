package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/earshot/earshot/store"
)

// Help-alert mutes are upserted per (tenant, supervisor), the latest choice
// wins even if it is committed first, an unmute removes the supervisor
// from the list, and the list survives reopening the database.
func testHelpMutes(t *testing.T, newHarness Factory) {
	h := newHarness(t)
	s := h.Store
	got := func(s store.Store) []string {
		t.Helper()
		ms, err := s.HelpMutes(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, m := range ms {
			if !m.Muted {
				t.Fatalf("unmuted row listed: %+v", m)
			}
			out = append(out, string(m.Tenant)+"/"+string(m.User)+"@"+m.At.Sub(base).String())
		}
		return out
	}
	if g := got(s); len(g) != 0 {
		t.Fatalf("fresh store lists mutes %v", g)
	}
	mute := func(tenant, user string, on bool, at time.Duration) store.HelpMute {
		return store.HelpMute{Tenant: authTenant(tenant), User: authUser(user), Muted: on, At: base.Add(at)}
	}
	// One batch with the same key twice: the last one wins; the same user
	// id in another tenant is another supervisor.
	commit(t, s, store.Batch{HelpMutes: []store.HelpMute{mute("t1", "sam", true, time.Second), mute("t1", "sam", false, 2*time.Second), mute("t1", "sam", true, 3*time.Second)}})
	commit(t, s, store.Batch{
		Audit:     []store.AuditEvent{ev("t2", "sam", "help.mute", base)},
		HelpMutes: []store.HelpMute{mute("t2", "sam", true, time.Second), mute("t1", "sid", true, time.Second)},
	})
	if g, want := got(s), []string{"t1/sam@3s", "t1/sid@1s", "t2/sam@1s"}; !slices.Equal(g, want) {
		t.Fatalf("mutes %v, want %v", g, want)
	}
	// An older choice committed late does not undo a newer one.
	commit(t, s, store.Batch{HelpMutes: []store.HelpMute{mute("t1", "sam", false, 2*time.Second)}})
	// Unmuting takes a supervisor off the list.
	commit(t, s, store.Batch{HelpMutes: []store.HelpMute{mute("t1", "sid", false, 5*time.Second)}})
	want := []string{"t1/sam@3s", "t2/sam@1s"}
	if g := got(s); !slices.Equal(g, want) {
		t.Fatalf("mutes %v, want %v", g, want)
	}
	// A failed batch writes no mute either (one transaction).
	bad := store.Batch{Audit: []store.AuditEvent{{Action: "no tenant"}}, HelpMutes: []store.HelpMute{mute("t3", "sue", true, time.Second)}}
	if err := s.Commit(ctxT(t), bad); err == nil {
		t.Fatal("a batch with a tenant-less audit event committed")
	}
	if g := got(h.Reopen(t)); !slices.Equal(g, want) {
		t.Fatalf("after reopen: mutes %v, want %v", g, want)
	}
}
