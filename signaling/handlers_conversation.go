package signaling

import (
	"context"
	"encoding/json"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/callcenter"
)

// maxSDPBytes bounds an SDP offer; a 3-slot audio offer is about 3 KB.
const maxSDPBytes = 32 << 10

type startReq struct {
	Queue   string `json:"queue"`
	Channel string `json:"channel"`
	Offer   string `json:"offer"`
}

func (r startReq) check() error {
	if r.Queue == "" || len(r.Queue) > 64 {
		return Errorf(CodeBadRequest, "queue is required")
	}
	return checkOffer(r.Offer)
}

func checkOffer(offer string) error {
	if len(offer) > maxSDPBytes {
		return Errorf(CodeBadRequest, "offer is larger than %d bytes", maxSDPBytes)
	}
	return nil
}

type acceptReq struct {
	ConversationID callcenter.ConversationID `json:"conversation_id"`
	Offer          string                    `json:"offer"`
}

func (r acceptReq) check() error {
	if err := (conversationRef{ConversationID: r.ConversationID}).check(); err != nil {
		return err
	}
	return checkOffer(r.Offer)
}

type dialReq struct {
	Customer auth.UserID `json:"customer_id"`
	Channel  string      `json:"channel"`
	Offer    string      `json:"offer"`
}

func (r dialReq) check() error {
	if r.Customer == "" || len(r.Customer) > 256 {
		return Errorf(CodeBadRequest, "customer_id is required")
	}
	return checkOffer(r.Offer)
}

type transferReq struct {
	ConversationID callcenter.ConversationID `json:"conversation_id"`
	ToAgent        auth.UserID               `json:"to_agent"`
}

func (r transferReq) check() error {
	if err := (conversationRef{ConversationID: r.ConversationID}).check(); err != nil {
		return err
	}
	if r.ToAgent == "" || len(r.ToAgent) > 256 {
		return Errorf(CodeBadRequest, "to_agent is required")
	}
	return nil
}

type chatReq struct {
	ConversationID callcenter.ConversationID `json:"conversation_id"`
	Kind           string                    `json:"kind"`
	Text           string                    `json:"text"`
}

func (r chatReq) check() error {
	return conversationRef{ConversationID: r.ConversationID}.check()
}

type candidateReq struct {
	ConversationID callcenter.ConversationID `json:"conversation_id"`
	Candidate      callcenter.ICECandidate   `json:"candidate"`
}

func (r candidateReq) check() error {
	if err := (conversationRef{ConversationID: r.ConversationID}).check(); err != nil {
		return err
	}
	if len(r.Candidate.Candidate) > 1024 {
		return Errorf(CodeBadRequest, "candidate is too long")
	}
	return nil
}

// ok is the data of responses that carry nothing else ({}).
type okData struct{}

var ok okData

func (d *Dispatcher) addConversationRoutes() {
	d.routes["conversation.start"] = func(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[startReq](data)
		if err != nil {
			return nil, err
		}
		ch, err := callcenter.ParseChannel(r.Channel)
		if err != nil {
			return nil, callcenter.ErrBadChannel
		}
		res, err := d.center.StartConversation(ctx, s, callcenter.StartParams{Queue: r.Queue, Channel: ch, Offer: r.Offer})
		if err != nil {
			return nil, err
		}
		return map[string]any{"conversation": res.View, "answer": res.Answer}, nil
	}
	// conversation.reoffer negotiates the caller's voice leg again (after a
	// media.reoffer event, or a network change): same data as accept.
	d.routes["conversation.reoffer"] = func(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[acceptReq](data)
		if err != nil {
			return nil, err
		}
		return d.center.Reoffer(ctx, s, r.ConversationID, r.Offer)
	}
	d.routes["conversation.accept"] = func(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[acceptReq](data)
		if err != nil {
			return nil, err
		}
		res, err := d.center.Accept(ctx, s, callcenter.AcceptParams{ConversationID: r.ConversationID, Offer: r.Offer})
		if err != nil {
			return nil, err
		}
		return map[string]any{"conversation": res.View, "answer": res.Answer}, nil
	}
	d.routes["conversation.dial"] = func(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[dialReq](data)
		if err != nil {
			return nil, err
		}
		ch, err := callcenter.ParseChannel(r.Channel)
		if err != nil {
			return nil, callcenter.ErrBadChannel
		}
		res, err := d.center.Dial(ctx, s, callcenter.DialParams{Customer: r.Customer, Channel: ch, Offer: r.Offer})
		if err != nil {
			return nil, err
		}
		return map[string]any{"conversation": res.View, "answer": res.Answer}, nil
	}
	d.routes["conversation.answer"] = func(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[acceptReq](data)
		if err != nil {
			return nil, err
		}
		res, err := d.center.Answer(ctx, s, callcenter.AnswerParams{ConversationID: r.ConversationID, Offer: r.Offer})
		if err != nil {
			return nil, err
		}
		return map[string]any{"conversation": res.View, "answer": res.Answer}, nil
	}
	d.routes["conversation.decline"] = refRoute(func(s *Session, id callcenter.ConversationID) (any, error) {
		return ok, d.center.Decline(s, id)
	})
	d.routes["conversation.end"] = refRoute(func(s *Session, id callcenter.ConversationID) (any, error) {
		return ok, d.center.End(s, id)
	})
	d.routes["conversation.transcript"] = refRoute(func(s *Session, id callcenter.ConversationID) (any, error) {
		msgs, err := d.center.Transcript(s, id)
		return map[string]any{"messages": msgs}, err
	})
	d.routes["conversation.hold"] = toggleRoute(func(s *Session, id callcenter.ConversationID, on bool) (any, error) {
		return ok, d.center.Hold(s, id, on)
	})
	d.routes["conversation.mute"] = toggleRoute(func(s *Session, id callcenter.ConversationID, on bool) (any, error) {
		v, err := d.center.Mute(s, id, on)
		return map[string]any{"conversation": v}, err
	})
	d.routes["conversation.talk_back"] = toggleRoute(func(s *Session, id callcenter.ConversationID, on bool) (any, error) {
		return ok, d.center.TalkBack(s, id, on)
	})
	d.routes["recording.start"] = refRoute(func(s *Session, id callcenter.ConversationID) (any, error) {
		return ok, d.center.StartRecording(s, id)
	})
	d.routes["recording.stop"] = refRoute(func(s *Session, id callcenter.ConversationID) (any, error) {
		return ok, d.center.StopRecording(s, id)
	})
	d.routes["conversation.transfer"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[transferReq](data)
		if err != nil {
			return nil, err
		}
		return ok, d.center.Transfer(s, callcenter.TransferParams{ConversationID: r.ConversationID, ToAgent: r.ToAgent})
	}
	d.routes["conversation.transfer_targets"] = refRoute(func(s *Session, id callcenter.ConversationID) (any, error) {
		targets, err := d.center.TransferTargets(s, id)
		return map[string]any{"agents": targets}, err
	})
	d.routes["conversation.candidate"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[candidateReq](data)
		if err != nil {
			return nil, err
		}
		return ok, d.center.AddICECandidate(s, r.ConversationID, r.Candidate)
	}
	d.routes["chat.send"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[chatReq](data)
		if err != nil {
			return nil, err
		}
		kind, err := callcenter.ParseMessageKind(r.Kind)
		if err != nil {
			return nil, Errorf(CodeBadRequest, "kind must be public or whisper")
		}
		msg, err := d.center.SendMessage(s, callcenter.SendParams{ConversationID: r.ConversationID, Kind: kind, Text: r.Text})
		if err != nil {
			return nil, err
		}
		return map[string]any{"message": msg}, nil
	}
}

// refRoute adapts a handler of requests that name only a conversation.
func refRoute(f func(s *Session, id callcenter.ConversationID) (any, error)) route {
	return func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[conversationRef](data)
		if err != nil {
			return nil, err
		}
		v, err := f(s, r.ConversationID)
		if err != nil {
			return nil, err
		}
		return v, nil
	}
}

// toggleRoute adapts a handler of on/off requests.
func toggleRoute(f func(s *Session, id callcenter.ConversationID, on bool) (any, error)) route {
	return func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[toggle](data)
		if err != nil {
			return nil, err
		}
		v, err := f(s, r.ConversationID, *r.On)
		if err != nil {
			return nil, err
		}
		return v, nil
	}
}
