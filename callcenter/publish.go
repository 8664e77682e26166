package callcenter

import (
	"slices"

	"github.com/earshot/earshot/auth"
)

// publishLocked marks conv changed; its views go out when the operation ends.
func (c *Center) publishLocked(ob *outbox, conv *Conversation) { ob.touch(conv) }

// flushLocked publishes what the operation changed: each touched
// conversation's views and each touched agent's state, once.
func (c *Center) flushLocked(ob *outbox) {
	if ob.dispatch {
		c.dispatchNowLocked(ob)
	}
	for _, conv := range ob.convs {
		if conv.state != ConvEnded {
			c.publishNowLocked(ob, conv)
		}
	}
	for _, a := range ob.agents {
		c.agentNowLocked(ob, a)
	}
	c.recordLocked(ob)
	c.mirrorLocked(ob)
}

// publishNowLocked tells every party and every supervisor on the floor what
// changed in conv, each only what it may see and only if its view changed.
func (c *Center) publishNowLocked(ob *outbox, conv *Conversation) {
	for _, p := range conv.parties {
		v := conv.viewFor(p, c.policy)
		if k := viewKey(v); k != p.lastView {
			p.lastView = k
			ob.push(p.client, EventConversationUpdated, v)
		}
	}
	c.publishSlotsLocked(ob, conv)
	c.publishFloorLocked(ob, conv)
}

func (c *Center) publishFloorLocked(ob *outbox, conv *Conversation) {
	row := conv.floorView()
	k := viewKey(row)
	for id, s := range c.supervisors {
		if !c.floorVisible(s.Identity(), conv) {
			continue
		}
		if conv.floorSent[id] == k {
			continue
		}
		if conv.floorSent == nil {
			conv.floorSent = make(map[string]string)
		}
		conv.floorSent[id] = k
		ob.push(s, EventFloorConversation, row)
	}
}

// floorVisible: a supervisor sees the conversations of its tenant that belong
// to one of its teams, by queue or by the agent handling them.
func (c *Center) floorVisible(id auth.Identity, conv *Conversation) bool {
	if id.Tenant != conv.tenant || !id.HasRole(auth.RoleSupervisor) {
		return false
	}
	if slices.Contains(id.Teams, conv.queue.Team) {
		return true
	}
	if a := conv.agent(); a != nil && sharesTeam(a.teams, id.Teams) {
		return true
	}
	return false
}

// Conversations is the ongoing-conversations feed as one supervisor may see it.
func (c *Center) Conversations(cl Client) ([]FloorConversation, error) {
	id := cl.Identity()
	if !id.HasRole(auth.RoleSupervisor) {
		return nil, refuse(ErrForbiddenRole, "only supervisors see the ongoing conversations")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []FloorConversation{}
	for _, conv := range c.conversations {
		if c.floorVisible(id, conv) {
			row := conv.floorView()
			if conv.floorSent == nil {
				conv.floorSent = make(map[string]string)
			}
			conv.floorSent[cl.ID()] = viewKey(row)
			out = append(out, row)
		}
	}
	slices.SortFunc(out, func(a, b FloorConversation) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}
