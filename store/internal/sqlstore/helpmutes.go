package sqlstore

import (
	"context"
	"fmt"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// helpMuteColumns are the help_mutes columns in scan order.
const helpMuteColumns = "tenant, user_id, muted, updated_ms"

// helpMuteUpsert keeps the latest choice: a commit that arrives late (two
// toggles committed by different writers) never overwrites a newer one.
const helpMuteUpsert = " ON CONFLICT (tenant, user_id) DO UPDATE SET muted = excluded.muted, updated_ms = excluded.updated_ms" +
	" WHERE excluded.updated_ms >= help_mutes.updated_ms"

// HelpMutes returns the supervisors who muted help alerts.
func (s *DB) HelpMutes(ctx context.Context) ([]store.HelpMute, error) {
	rows, err := queryAll(ctx, s.db, `SELECT `+helpMuteColumns+` FROM help_mutes ORDER BY tenant, user_id`, nil,
		func(r scanner) (store.HelpMute, error) {
			var (
				m            store.HelpMute
				tenant, user string
				ms           int64
			)
			err := r.Scan(&tenant, &user, &m.Muted, &ms)
			m.Tenant, m.User, m.At = auth.TenantID(tenant), auth.UserID(user), store.FromMillis(ms)
			return m, err
		})
	if err != nil {
		return nil, fmt.Errorf("help mutes: %w", err)
	}
	out := rows[:0]
	for _, m := range rows {
		if m.Muted {
			out = append(out, m)
		}
	}
	return out, nil
}
