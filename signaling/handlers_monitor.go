package signaling

import (
	"context"
	"encoding/json"
	"time"

	"github.com/earshot/earshot/callcenter"
)

type monitorReq struct {
	ConversationID callcenter.ConversationID `json:"conversation_id"`
	Reason         string                    `json:"reason"`
	Offer          string                    `json:"offer"`
}

func (r monitorReq) check() error {
	if err := (conversationRef{ConversationID: r.ConversationID}).check(); err != nil {
		return err
	}
	return checkOffer(r.Offer)
}

type modeReq struct {
	ConversationID callcenter.ConversationID `json:"conversation_id"`
	Mode           string                    `json:"mode"`
}

func (r modeReq) check() error { return conversationRef{ConversationID: r.ConversationID}.check() }

func (d *Dispatcher) addMonitorRoutes() {
	d.routes["monitor.start"] = func(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[monitorReq](data)
		if err != nil {
			return nil, err
		}
		res, err := d.center.Monitor(ctx, s, callcenter.MonitorParams{ConversationID: r.ConversationID, Reason: r.Reason, Offer: r.Offer})
		if err != nil {
			return nil, err
		}
		return map[string]any{"conversation": res.View, "answer": res.Answer}, nil
	}
	d.routes["monitor.set_mode"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		start := time.Now()
		r, err := decodeCheck[modeReq](data)
		if err != nil {
			return nil, err
		}
		mode, err := callcenter.ParseMode(r.Mode)
		if err != nil {
			return nil, callcenter.ErrBadMode
		}
		v, err := d.center.SetMode(s, r.ConversationID, mode)
		if err != nil {
			return nil, err
		}
		if d.observeModeSwitch != nil {
			d.observeModeSwitch(time.Since(start))
		}
		return map[string]any{"conversation": v, "mode": v.Mode}, nil
	}
	d.routes["monitor.leave"] = refRoute(func(s *Session, id callcenter.ConversationID) (any, error) {
		return ok, d.center.Leave(s, id)
	})
	d.routes["monitor.take_over"] = refRoute(func(s *Session, id callcenter.ConversationID) (any, error) {
		v, err := d.center.TakeOver(s, id)
		return map[string]any{"conversation": v}, err
	})
}
