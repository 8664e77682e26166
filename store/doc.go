// Package store is Earshot's durable memory: the audit trail, help requests,
// conversation history (start, end, channel, participants, transfers) and
// chat transcripts (whispers flagged).
//
// One interface, Store, has two implementations chosen by configuration:
// store/sqlite (embedded, the default) and store/postgres. Both pass the one
// contract suite in store/storetest. Live call state is not here: it lives in
// memory in the domain, which hands finished facts to a Writer.
//
// The audit trail is append-only and tamper-evident: every event of a tenant
// is linked to the previous one by a SHA-256 hash chain (chain.go), and
// Verify walks the chain and reports the first broken link.
//
// The store knows nothing of the domain (it never imports callcenter): event
// actions, statuses and roles are plain strings chosen by the producers.
package store
