package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash"
	"strconv"
)

// chainVersion is hashed into every link so that a future change of the
// encoding can never produce a colliding chain.
const chainVersion = "earshot-audit-v1"

// HashEvent computes the hash of e linked after prevHash: SHA-256 over the
// previous hash and every stored field of the row, each length-prefixed so
// that no two different rows encode alike. It depends only on what is
// stored, so Verify can recompute it from the database alone.
func HashEvent(prevHash string, e AuditEvent) string {
	h := sha256.New()
	for _, f := range []string{
		chainVersion,
		prevHash,
		string(e.Tenant),
		strconv.FormatInt(e.Seq, 10),
		e.ID,
		strconv.FormatInt(Millis(e.At), 10),
		string(e.Actor),
		e.ActorName,
		e.Role,
		e.ConversationID,
		string(e.Agent),
		e.Action,
		string(e.Details),
	} {
		writeField(h, f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeField(h hash.Hash, s string) {
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
	h.Write([]byte(s))
}

// Link appends e to the chain whose last link is head: it sets e's Seq,
// PrevHash and Hash and returns the new head. Implementations call it inside
// the transaction that holds the tenant's head row.
func Link(head ChainLink, e *AuditEvent) (ChainLink, error) {
	if e.Tenant == "" {
		return head, errEmptyTenant
	}
	if err := checkDetails(e.Details); err != nil {
		return head, err
	}
	if e.Details == "" {
		e.Details = "{}"
	}
	e.At = FromMillis(Millis(e.At)) // exactly what is stored: UTC milliseconds
	e.Seq = head.Seq + 1
	e.PrevHash = head.Hash
	e.Hash = HashEvent(e.PrevHash, *e)
	return ChainLink{Seq: e.Seq, Hash: e.Hash}, nil
}

func checkDetails(d RawJSON) error {
	if d == "" {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(d), &obj); err != nil || obj == nil {
		return ErrBadDetails
	}
	return nil
}
