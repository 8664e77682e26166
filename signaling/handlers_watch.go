package signaling

import (
	"context"
	"encoding/json"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/callcenter"
)

type watchReq struct {
	Agent  auth.UserID `json:"agent"`
	Scope  string      `json:"scope"`
	Reason string      `json:"reason"`
}

func (r watchReq) check() error {
	if r.Agent == "" || len(r.Agent) > 256 {
		return Errorf(CodeBadRequest, "agent is required")
	}
	return nil
}

type watchRef struct {
	WatchID callcenter.WatchID `json:"watch_id"`
}

func (r watchRef) check() error {
	if r.WatchID == "" || len(r.WatchID) > 64 {
		return Errorf(CodeBadRequest, "watch_id is required (1 to 64 bytes)")
	}
	return nil
}

type connectReq struct {
	ConversationID callcenter.ConversationID `json:"conversation_id"`
	Offer          string                    `json:"offer"`
}

func (r connectReq) check() error {
	if err := (conversationRef{ConversationID: r.ConversationID}).check(); err != nil {
		return err
	}
	return checkOffer(r.Offer)
}

// addWatchRoutes maps monitor-next-call / continuous monitoring (F17) and
// the PCI pause (F7) onto the domain.
func (d *Dispatcher) addWatchRoutes() {
	d.routes["monitor.watch"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[watchReq](data)
		if err != nil {
			return nil, err
		}
		scope, err := callcenter.ParseWatchScope(r.Scope)
		if err != nil {
			return nil, err
		}
		v, err := d.center.Watch(s, callcenter.WatchParams{Agent: r.Agent, Scope: scope, Reason: r.Reason})
		if err != nil {
			return nil, err
		}
		return map[string]any{"watch": v}, nil
	}
	d.routes["monitor.unwatch"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[watchRef](data)
		if err != nil {
			return nil, err
		}
		return ok, d.center.Unwatch(s, r.WatchID)
	}
	d.routes["monitor.watches"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		if err := decode(data, &struct{}{}); err != nil {
			return nil, err
		}
		v, err := d.center.Watches(s)
		if err != nil {
			return nil, err
		}
		return map[string]any{"watches": v}, nil
	}
	d.routes["monitor.connect"] = func(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[connectReq](data)
		if err != nil {
			return nil, err
		}
		answer, err := d.center.ConnectMonitor(ctx, s, callcenter.ConnectParams{ConversationID: r.ConversationID, Offer: r.Offer})
		if err != nil {
			return nil, err
		}
		return map[string]any{"answer": answer}, nil
	}
	d.routes["conversation.pci"] = toggleRoute(func(s *Session, id callcenter.ConversationID, on bool) (any, error) {
		v, err := d.center.PCIPause(s, id, on)
		return map[string]any{"conversation": v}, err
	})
}
