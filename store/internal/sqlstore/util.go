package sqlstore

import (
	"sort"

	"github.com/google/uuid"

	"github.com/earshot/earshot/store"
)

func newID() string { return uuid.NewString() }

// sortEvents orders events by tenant so that a run is deterministic.
func sortEvents(evs []store.AuditEvent) {
	sort.Slice(evs, func(i, j int) bool { return evs[i].Tenant < evs[j].Tenant })
}
