package signaling

import (
	"context"
	"encoding/json"

	"github.com/earshot/earshot/callcenter"
)

type helpRaiseReq struct {
	ConversationID callcenter.ConversationID `json:"conversation_id"`
	Reason         string                    `json:"reason"`
	Comment        string                    `json:"comment"`
}

func (r helpRaiseReq) check() error { return conversationRef{ConversationID: r.ConversationID}.check() }

type helpRef struct {
	HelpRequestID callcenter.HelpRequestID `json:"help_request_id"`
}

func (r helpRef) check() error {
	if r.HelpRequestID == "" || len(r.HelpRequestID) > 64 {
		return Errorf(CodeBadRequest, "help_request_id is required")
	}
	return nil
}

type helpMuteReq struct {
	On *bool `json:"on"`
}

func (r helpMuteReq) check() error {
	if r.On == nil {
		return Errorf(CodeBadRequest, "on is required")
	}
	return nil
}

// addHelpRoutes maps the help-request messages (docs/protocol.md) onto the
// domain.
func (d *Dispatcher) addHelpRoutes() {
	d.routes["help.raise"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[helpRaiseReq](data)
		if err != nil {
			return nil, err
		}
		v, err := d.center.RaiseHelp(s, callcenter.RaiseHelpParams{ConversationID: r.ConversationID, Reason: r.Reason, Comment: r.Comment})
		if err != nil {
			return nil, err
		}
		return map[string]any{"help_request": v}, nil
	}
	d.routes["help.accept"] = helpRoute(func(s *Session, id callcenter.HelpRequestID) (any, error) {
		return d.center.AcceptHelp(s, id)
	})
	d.routes["help.cancel"] = helpRoute(func(s *Session, id callcenter.HelpRequestID) (any, error) {
		v, err := d.center.CancelHelp(s, id)
		return map[string]any{"help_request": v}, err
	})
	d.routes["help.close"] = helpRoute(func(s *Session, id callcenter.HelpRequestID) (any, error) {
		v, err := d.center.CloseHelp(s, id)
		return map[string]any{"help_request": v}, err
	})
	d.routes["help.list"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		if err := decode(data, &struct{}{}); err != nil {
			return nil, err
		}
		l, err := d.center.HelpRequests(s)
		if err != nil {
			return nil, err
		}
		return l, nil
	}
	d.routes["help.mute"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[helpMuteReq](data)
		if err != nil {
			return nil, err
		}
		on, err := d.center.MuteHelp(s, *r.On)
		if err != nil {
			return nil, err
		}
		return map[string]any{"muted": on}, nil
	}
}

// helpRoute adapts a handler of requests that name only a help request.
func helpRoute(f func(s *Session, id callcenter.HelpRequestID) (any, error)) route {
	return func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[helpRef](data)
		if err != nil {
			return nil, err
		}
		v, err := f(s, r.HelpRequestID)
		if err != nil {
			return nil, err
		}
		return v, nil
	}
}
