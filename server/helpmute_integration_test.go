package main

import (
	"testing"

	"github.com/earshot/earshot/auth"
)

// TestHelpMuteSurvivesRestart: a supervisor's help-alert mute is committed
// to the store and loaded when the server starts again, with SQLite and
// with PostgreSQL. After the restart the muted supervisor gets no alert
// while an unmuted one does.
func TestHelpMuteSurvivesRestart(t *testing.T) {
	for _, tc := range []struct {
		name  string
		store func(t *testing.T, cfg *Config)
	}{
		{"sqlite", func(t *testing.T, cfg *Config) { cfg.DataDir = t.TempDir() }},
		{"postgres", func(t *testing.T, cfg *Config) { usePostgres(t, cfg) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stored Config
			tc.store(t, &stored)
			useStore := func(c *Config) {
				if stored.DataDir != "" {
					c.DataDir = stored.DataDir
				}
				if stored.Store.Driver != "" {
					c.Store = stored.Store
				}
			}
			type muteResp struct {
				Muted bool `json:"muted"`
			}
			first := startServer(t, useStore)
			sam := newParty(t, first, "sam", first.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))
			sid := newParty(t, first, "sid", first.token(t, "sid", "Sid", auth.RoleSupervisor, "team-a"))
			var m muteResp
			sam.do(t, "help.mute", map[string]any{"on": true}, &m)
			sid.do(t, "help.mute", map[string]any{"on": true}, &m)
			sid.do(t, "help.mute", map[string]any{"on": false}, &m) // unmuted again: not kept as muted
			sam.sig.Close()
			sid.sig.Close()
			first.shutdown(t)

			second := startServer(t, useStore)
			sam = newParty(t, second, "sam", second.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a"))
			sid = newParty(t, second, "sid", second.token(t, "sid", "Sid", auth.RoleSupervisor, "team-a"))
			var list struct {
				Muted bool `json:"muted"`
			}
			sam.do(t, "help.list", nil, &list)
			if !list.Muted {
				t.Fatal("sam's mute was lost in the restart")
			}
			sid.do(t, "help.list", nil, &list)
			if list.Muted {
				t.Fatal("sid unmuted before the restart but is muted after it")
			}
			cust := newParty(t, second, "cust", second.token(t, "carla", "Carla", auth.RoleCustomer))
			alex := newParty(t, second, "alex", second.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
			samMark := sam.sig.Mark()
			id := raise(t, alex, chatCall(t, cust, alex), "escalation")
			sid.waitHelp(t, 0, "help.requested", id, "open")
			// An alert for Sam would have been queued on Sam's socket in the
			// raise operation, before the response to this request.
			sam.do(t, "help.list", nil, &list)
			if n := sam.countHelp(samMark, "help.requested"); n != 0 {
				t.Fatalf("muted supervisor got %d help alerts after the restart", n)
			}
		})
	}
}
