package callcenter

import (
	"context"
	"slices"
	"testing"

	"github.com/earshot/earshot/auth"
)

func targetIDs(t *testing.T, c *Center, cl Client, id ConversationID) []auth.UserID {
	t.Helper()
	ts, err := c.TransferTargets(cl, id)
	if err != nil {
		t.Fatal(err)
	}
	out := []auth.UserID{}
	for _, x := range ts {
		out = append(out, x.UserID)
	}
	return out
}

func setReady(t *testing.T, c *Center, agents ...*recorder) {
	t.Helper()
	for _, a := range agents {
		if _, err := c.SetAgentState(a, AgentReady); err != nil {
			t.Fatal(err)
		}
	}
}

// Transfer targets are the Ready agents sharing a team with the transferring
// party; another team's agent is refused with transfer_other_team and
// nothing changes.
func TestTransferLimitedToTeams(t *testing.T) {
	f := newFloor(t, DefaultPolicy())
	id := f.chat(t, f.customer, f.agent)

	// Bea (team-a) is not Ready yet: no target.
	if got := targetIDs(t, f.c, f.agent, id); len(got) != 0 {
		t.Fatalf("targets before anyone is ready: %v", got)
	}
	setReady(t, f.c, f.agent2, f.agentB)
	if got := targetIDs(t, f.c, f.agent, id); !slices.Equal(got, []auth.UserID{"bea"}) {
		t.Fatalf("targets %v, want [bea] (dan is in team-b)", got)
	}
	ts, _ := f.c.TransferTargets(f.agent, id)
	if ts[0].Name != "Bea" || !slices.Equal(ts[0].Teams, []auth.TeamID{"team-a"}) {
		t.Fatalf("target %+v", ts[0])
	}

	err := f.c.Transfer(f.agent, TransferParams{ConversationID: id, ToAgent: "dan"})
	mustCode(t, err, "transfer_other_team")
	if v := f.agentViewNow(t, id); v.State != ConvActive {
		t.Fatalf("refused transfer changed the conversation: %+v", v)
	}
	dan, err := f.c.Agents(f.supB) // dan is in team-b
	if err != nil || len(dan) != 1 || dan[0].State != AgentReady {
		t.Fatalf("refused target: %+v %v", dan, err)
	}
	if st := f.agentState(t, "alex"); st != AgentBusy {
		t.Fatalf("agent is %s after a refused transfer", st)
	}

	// Refusals of the list itself.
	_, err = f.c.TransferTargets(f.customer, id)
	mustCode(t, err, "forbidden_role")
	_, err = f.c.TransferTargets(f.agent2, id)
	mustCode(t, err, "not_participant")
	if _, err := f.c.Monitor(context.Background(), f.sup, MonitorParams{ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	_, err = f.c.TransferTargets(f.sup, id)
	mustCode(t, err, "not_allowed_in_mode")
	if _, err := f.c.SetMode(f.sup, id, ModeBarge); err != nil {
		t.Fatal(err)
	}
	if got := targetIDs(t, f.c, f.sup, id); !slices.Equal(got, []auth.UserID{"bea"}) {
		t.Fatalf("barged supervisor's targets %v, want [bea]", got)
	}

	if err := f.c.Transfer(f.agent, TransferParams{ConversationID: id, ToAgent: "bea"}); err != nil {
		t.Fatal(err)
	}
	f.agent2.waitFor(t, 0, EventConversationOffered, hasConversation(id))
}

// With transfer_any_team, every Ready agent of the tenant is a target.
func TestTransferAnyTeamPolicy(t *testing.T) {
	pol := DefaultPolicy()
	pol.TransferAnyTeam = true
	f := newFloor(t, pol)
	id := f.chat(t, f.customer, f.agent)
	setReady(t, f.c, f.agent2, f.agentB)
	if got := targetIDs(t, f.c, f.agent, id); !slices.Equal(got, []auth.UserID{"bea", "dan"}) {
		t.Fatalf("targets %v, want [bea dan]", got)
	}
	if err := f.c.Transfer(f.agent, TransferParams{ConversationID: id, ToAgent: "dan"}); err != nil {
		t.Fatal(err)
	}
	f.agentB.waitFor(t, 0, EventConversationOffered, hasConversation(id))
}
