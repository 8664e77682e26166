package reporting

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// maxFilterBytes bounds one filter value.
const maxFilterBytes = 256

// parseTime reads an RFC 3339 time parameter (empty: zero).
func parseTime(q url.Values, name string) (time.Time, *apiError) {
	raw := q.Get(name)
	if raw == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return time.Time{}, badRequest(name + " must be an RFC 3339 time, e.g. 2026-03-12T09:00:00Z")
	}
	return t.UTC(), nil
}

func filter(q url.Values, name string) (string, *apiError) {
	v := q.Get(name)
	if len(v) > maxFilterBytes {
		return "", badRequest(name + " is too long")
	}
	return v, nil
}

// auditQuery turns the search parameters into a query of the caller's
// tenant: from, to, actor, agent, conversation_id, action (repeatable or
// comma-separated), order (asc|desc), limit, cursor.
func auditQuery(q url.Values, tenant auth.TenantID) (store.AuditQuery, *apiError) {
	out := store.AuditQuery{Tenant: tenant, Desc: true}
	var e *apiError
	if out.From, e = parseTime(q, "from"); e != nil {
		return out, e
	}
	if out.To, e = parseTime(q, "to"); e != nil {
		return out, e
	}
	if !out.From.IsZero() && !out.To.IsZero() && out.To.Before(out.From) {
		return out, badRequest("to is before from")
	}
	var actor, agent string
	if actor, e = filter(q, "actor"); e != nil {
		return out, e
	}
	if agent, e = filter(q, "agent"); e != nil {
		return out, e
	}
	if out.ConversationID, e = filter(q, "conversation_id"); e != nil {
		return out, e
	}
	out.Actor, out.Agent = auth.UserID(actor), auth.UserID(agent)
	for _, v := range q["action"] {
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				if len(a) > 64 || len(out.Actions) >= 32 {
					return out, badRequest("too many or too long actions")
				}
				out.Actions = append(out.Actions, a)
			}
		}
	}
	switch q.Get("order") {
	case "", "desc":
	case "asc":
		out.Desc = false
	default:
		return out, badRequest("order is asc or desc")
	}
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > store.MaxPageSize {
			return out, badRequest("limit is 1 to " + strconv.Itoa(store.MaxPageSize))
		}
		out.Limit = n
	}
	if raw := q.Get("cursor"); raw != "" {
		seq, desc, ok := decodeCursor(raw)
		if !ok || desc != out.Desc {
			return out, badRequest("bad cursor (it belongs to a search with the same order)")
		}
		out.After = seq
	}
	return out, nil
}

// A cursor is opaque to clients: the last seq of a page and the order it
// was read in, so a cursor cannot be reused with the opposite order.
func encodeCursor(seq int64, desc bool) string {
	if seq == 0 {
		return ""
	}
	o := "a"
	if desc {
		o = "d"
	}
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + o + ":" + strconv.FormatInt(seq, 10)))
}

func decodeCursor(raw string) (int64, bool, bool) {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return 0, false, false
	}
	parts := strings.Split(string(b), ":")
	if len(parts) != 3 || parts[0] != "v1" || (parts[1] != "a" && parts[1] != "d") {
		return 0, false, false
	}
	seq, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || seq <= 0 {
		return 0, false, false
	}
	return seq, parts[1] == "d", true
}
