package store

import (
	"context"
	"fmt"

	"github.com/earshot/earshot/auth"
)

// ChainReport is the verification of one tenant's chain.
type ChainReport struct {
	Tenant auth.TenantID
	// Events is how many stored rows were checked.
	Events int64
	// Anchor is where the chain starts after retention (0: the beginning).
	Anchor int64
	// Head is the last committed link the store records.
	Head int64
	// Broken is the first broken link, nil when the chain is intact.
	Broken *BrokenLink
}

// OK reports whether the chain is intact.
func (r ChainReport) OK() bool { return r.Broken == nil }

// BrokenLink says where a chain stops being trustworthy and why.
type BrokenLink struct {
	// Seq is the first row that cannot be trusted (for a missing row: the
	// first missing seq).
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

func (b BrokenLink) String() string { return fmt.Sprintf("seq %d: %s", b.Seq, b.Reason) }

// verifyPage is how many rows Verify reads at a time.
const verifyPage = 1000

// Verify walks the chains of the given tenants (every tenant when none is
// given) from their anchors to their heads and reports, per tenant, the
// first broken link: a modified row (its hash no longer matches its content),
// a deleted row (a gap in seq, or a head that points past the last row), or a
// row that does not follow its predecessor.
func Verify(ctx context.Context, s Store, tenants ...auth.TenantID) ([]ChainReport, error) {
	if len(tenants) == 0 {
		var err error
		if tenants, err = s.AuditTenants(ctx); err != nil {
			return nil, fmt.Errorf("verify: tenants: %w", err)
		}
	}
	out := make([]ChainReport, 0, len(tenants))
	for _, t := range tenants {
		r, err := verifyTenant(ctx, s, t)
		if err != nil {
			return nil, fmt.Errorf("verify tenant %s: %w", t, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func verifyTenant(ctx context.Context, s Store, tenant auth.TenantID) (ChainReport, error) {
	st, err := s.AuditChain(ctx, tenant)
	if err != nil {
		return ChainReport{}, err
	}
	r := ChainReport{Tenant: tenant, Anchor: st.Anchor.Seq, Head: st.Head.Seq}
	prev := st.Anchor
	after := int64(0) // scan everything stored: rows at or below the anchor are suspicious too
	for {
		rows, err := s.ScanAudit(ctx, tenant, after, verifyPage)
		if err != nil {
			return r, err
		}
		for _, e := range rows {
			r.Events++
			after = e.Seq
			if b := checkLink(prev, e); b != nil {
				r.Broken = b
				return r, nil
			}
			prev = ChainLink{Seq: e.Seq, Hash: e.Hash}
		}
		if len(rows) < verifyPage {
			break
		}
	}
	switch {
	case prev.Seq < st.Head.Seq:
		r.Broken = &BrokenLink{Seq: prev.Seq + 1, Reason: fmt.Sprintf("rows %d..%d are missing (deleted after the last stored row)", prev.Seq+1, st.Head.Seq)}
	case prev.Seq > st.Head.Seq || prev.Hash != st.Head.Hash:
		r.Broken = &BrokenLink{Seq: st.Head.Seq, Reason: "the recorded chain head does not match the last row"}
	}
	return r, nil
}

// checkLink checks that e follows prev and is unmodified.
func checkLink(prev ChainLink, e AuditEvent) *BrokenLink {
	switch {
	case e.Seq <= prev.Seq:
		return &BrokenLink{Seq: e.Seq, Reason: fmt.Sprintf("row at or before the chain start %d (inserted, or the anchor was changed)", prev.Seq)}
	case e.Seq > prev.Seq+1:
		if prev.Seq+1 == e.Seq-1 {
			return &BrokenLink{Seq: prev.Seq + 1, Reason: fmt.Sprintf("row %d is missing (deleted)", prev.Seq+1)}
		}
		return &BrokenLink{Seq: prev.Seq + 1, Reason: fmt.Sprintf("rows %d..%d are missing (deleted)", prev.Seq+1, e.Seq-1)}
	case e.PrevHash != prev.Hash:
		return &BrokenLink{Seq: e.Seq, Reason: fmt.Sprintf("prev_hash does not match row %d (that row, or this link, was modified)", prev.Seq)}
	case HashEvent(e.PrevHash, e) != e.Hash:
		return &BrokenLink{Seq: e.Seq, Reason: "content does not match its hash (row modified)"}
	}
	return nil
}
