package signaling

import (
	"context"
	"encoding/json"

	"github.com/earshot/earshot/callcenter"
)

type agentStateReq struct {
	State string `json:"state"`
}

func (r agentStateReq) check() error { return nil }

func (d *Dispatcher) addAgentRoutes() {
	d.routes["agent.set_state"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[agentStateReq](data)
		if err != nil {
			return nil, err
		}
		st, err := callcenter.ParseAgentState(r.State)
		if err != nil {
			return nil, callcenter.ErrBadAgentState
		}
		info, err := d.center.SetAgentState(s, st)
		if err != nil {
			return nil, err
		}
		return map[string]any{"agent": info}, nil
	}
	d.routes["floor.agents"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		if err := decode(data, &struct{}{}); err != nil {
			return nil, err
		}
		agents, err := d.center.Agents(s)
		if err != nil {
			return nil, err
		}
		return map[string]any{"agents": agents}, nil
	}
	d.routes["floor.conversations"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		if err := decode(data, &struct{}{}); err != nil {
			return nil, err
		}
		convs, err := d.center.Conversations(s)
		if err != nil {
			return nil, err
		}
		return map[string]any{"conversations": convs}, nil
	}
	d.routes["queues.list"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		if err := decode(data, &struct{}{}); err != nil {
			return nil, err
		}
		type queue struct {
			Name string `json:"name"`
			Team string `json:"team"`
		}
		out := []queue{}
		for _, q := range d.center.Queues(s.Identity().Tenant) {
			out = append(out, queue{Name: q.Name, Team: string(q.Team)})
		}
		return map[string]any{"queues": out}, nil
	}
}
