package signaling

import (
	"context"
	"encoding/json"
)

// addHealthRoutes maps the call-health messages (docs/protocol.md) onto
// the domain. The health numbers themselves travel in the floor feed.
func (d *Dispatcher) addHealthRoutes() {
	d.routes["health.settings"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		if err := decode(data, &struct{}{}); err != nil {
			return nil, err
		}
		return d.center.HealthSettings(s)
	}
	d.routes["health.mute"] = func(_ context.Context, s *Session, data json.RawMessage) (any, error) {
		r, err := decodeCheck[helpMuteReq](data) // the same {"on": bool} as help.mute
		if err != nil {
			return nil, err
		}
		on, err := d.center.MuteHealth(s, *r.On)
		if err != nil {
			return nil, err
		}
		return map[string]any{"muted": on}, nil
	}
}
