package signaling

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/callcenter"
)

// Dispatcher is the Handler that maps protocol requests onto the domain.
// It decodes and validates data, calls the callcenter, and shapes responses;
// it decides nothing itself.
type Dispatcher struct {
	center *callcenter.Center
	log    *slog.Logger
	// observeModeSwitch, if set, receives how long each acknowledged mode
	// switch took from request to acknowledgement (routes applied).
	observeModeSwitch func(time.Duration)
	routes            map[string]route
}

// route handles one request type.
type route func(ctx context.Context, s *Session, data json.RawMessage) (any, error)

// DispatcherParams configures a Dispatcher.
type DispatcherParams struct {
	Center *callcenter.Center
	Logger *slog.Logger
	// ObserveModeSwitch is called with the latency of each mode switch.
	ObserveModeSwitch func(time.Duration)
}

var (
	_ Handler                 = (*Dispatcher)(nil)
	_ callcenter.Supersedable = (*Session)(nil)
)

// NewDispatcher creates the domain handler.
func NewDispatcher(p DispatcherParams) *Dispatcher {
	if p.Logger == nil {
		p.Logger = slog.Default()
	}
	d := &Dispatcher{center: p.Center, log: p.Logger, observeModeSwitch: p.ObserveModeSwitch}
	d.routes = map[string]route{}
	d.addAgentRoutes()
	d.addConversationRoutes()
	d.addMonitorRoutes()
	d.addHelpRoutes()
	d.addWatchRoutes()
	d.addHealthRoutes()
	return d
}

// Opened registers the session with the domain.
func (d *Dispatcher) Opened(s *Session) error { return d.center.Connect(s) }

// Handle dispatches one request.
func (d *Dispatcher) Handle(ctx context.Context, s *Session, typ string, data json.RawMessage) (any, error) {
	r, ok := d.routes[typ]
	if !ok {
		return nil, Errorf(CodeUnknownType, "unknown request type %q", typ)
	}
	return r(ctx, s, data)
}

// Adopted brings a session this node adopted from a lost node back into
// the domain once its client resumed (Adopter).
func (d *Dispatcher) Adopted(s *Session) { d.center.Adopted(s) }

var _ Adopter = (*Dispatcher)(nil)

// Refreshed re-checks the session's privileges with the domain.
func (d *Dispatcher) Refreshed(s *Session, old, updated auth.Identity) error {
	return d.center.Refresh(s, old, updated)
}

// Closed tells the domain the session is gone for good.
func (d *Dispatcher) Closed(s *Session, reason CloseReason) {
	d.center.Disconnect(s, reason == CloseReasonClientClosed)
}

// decode strictly decodes request data: unknown fields are refused so that a
// misspelt field never silently does nothing.
func decode(data json.RawMessage, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		data = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(CodeBadRequest, "bad data: %v", err)
	}
	if dec.More() {
		return Errorf(CodeBadRequest, "bad data: trailing content")
	}
	return nil
}

// conversationRef is the data of requests naming only a conversation.
type conversationRef struct {
	ConversationID callcenter.ConversationID `json:"conversation_id"`
}

func (r conversationRef) check() error {
	if r.ConversationID == "" || len(r.ConversationID) > 64 {
		return Errorf(CodeBadRequest, "conversation_id is required (1 to 64 bytes)")
	}
	return nil
}

// toggle is the data of on/off requests.
type toggle struct {
	ConversationID callcenter.ConversationID `json:"conversation_id"`
	On             *bool                     `json:"on"`
}

func (t toggle) check() error {
	if err := (conversationRef{ConversationID: t.ConversationID}).check(); err != nil {
		return err
	}
	if t.On == nil {
		return Errorf(CodeBadRequest, "on is required")
	}
	return nil
}

// decodeCheck decodes into v and runs its check.
func decodeCheck[T interface{ check() error }](data json.RawMessage) (T, error) {
	var v T
	if err := decode(data, &v); err != nil {
		return v, err
	}
	return v, v.check()
}
