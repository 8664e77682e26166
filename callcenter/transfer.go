package callcenter

import (
	"slices"
	"strings"

	"github.com/earshot/earshot/auth"
)

// TransferTarget is an agent a conversation can be transferred to now.
type TransferTarget struct {
	UserID auth.UserID   `json:"user_id"`
	Name   string        `json:"name"`
	Teams  []auth.TeamID `json:"teams"`
}

// transferAllowedLocked reports whether policy lets party me hand a
// conversation to target: the target must share one of me's teams unless
// Policy.TransferAnyTeam. Checked before availability so that a refused
// target is refused the same way whatever its state (no state probing
// across teams).
func (c *Center) transferAllowedLocked(me *participant, target *agentRec) bool {
	return c.policy.TransferAnyTeam || sharesTeam(target.teams, me.teams)
}

// TransferTargets lists the agents the caller may transfer the conversation
// to right now: Ready agents of the conversation's tenant, allowed by policy
// (transferAllowedLocked), other than the conversation's agent, sorted by
// name. The caller must be allowed to transfer the conversation at all (its
// agent, or a supervisor barged in).
func (c *Center) TransferTargets(cl Client, id ConversationID) ([]TransferTarget, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conv, me, err := c.partyLocked(cl, id)
	if err != nil {
		return nil, err
	}
	switch {
	case me.role == PartySupervisor && me.mode != ModeBarge:
		return nil, refuse(ErrNotAllowedInMode, "a supervisor must barge in to transfer")
	case me.role == PartyCustomer:
		return nil, refuse(ErrForbiddenRole, "customers cannot transfer")
	}
	var cur userKey
	if ag := conv.agent(); ag != nil {
		cur = ag.user
	}
	out := []TransferTarget{}
	for _, a := range c.agents {
		if a.key.tenant != conv.tenant || a.key == cur || a.key == me.user || a.state() != AgentReady {
			continue
		}
		if !c.transferAllowedLocked(me, a) {
			continue
		}
		out = append(out, TransferTarget{UserID: a.key.user, Name: a.name, Teams: slices.Clone(a.teams)})
	}
	slices.SortFunc(out, func(x, y TransferTarget) int {
		if n := strings.Compare(x.Name, y.Name); n != 0 {
			return n
		}
		return strings.Compare(string(x.UserID), string(y.UserID))
	})
	return out, nil
}
