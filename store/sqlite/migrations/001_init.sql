-- Earshot store, SQLite. Times are Unix milliseconds (0 = unset).

CREATE TABLE audit_events (
    tenant          TEXT    NOT NULL,
    seq             INTEGER NOT NULL,
    id              TEXT    NOT NULL,
    at_ms           INTEGER NOT NULL,
    actor           TEXT    NOT NULL,
    actor_name      TEXT    NOT NULL,
    role            TEXT    NOT NULL,
    conversation_id TEXT    NOT NULL,
    agent           TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    details         TEXT    NOT NULL,
    prev_hash       TEXT    NOT NULL,
    hash            TEXT    NOT NULL,
    PRIMARY KEY (tenant, seq)
) WITHOUT ROWID;
CREATE INDEX audit_events_at ON audit_events (tenant, at_ms);
CREATE INDEX audit_events_actor ON audit_events (tenant, actor, seq);
CREATE INDEX audit_events_agent ON audit_events (tenant, agent, seq);
CREATE INDEX audit_events_conversation ON audit_events (tenant, conversation_id, seq);
CREATE INDEX audit_events_action ON audit_events (tenant, action, seq);

-- One row per tenant: the last link (head) and where the chain starts after
-- retention (anchor: the last deleted row).
CREATE TABLE audit_chain (
    tenant      TEXT    PRIMARY KEY,
    head_seq    INTEGER NOT NULL,
    head_hash   TEXT    NOT NULL,
    anchor_seq  INTEGER NOT NULL,
    anchor_hash TEXT    NOT NULL
);

-- Append-only: rows are never updated, and deleted only at or below the
-- anchor (retention moves the anchor first). Whoever can drop these
-- triggers can change rows, but not without breaking the hash chain.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN OLD.seq > COALESCE((SELECT anchor_seq FROM audit_chain WHERE tenant = OLD.tenant), 0)
BEGIN
    SELECT RAISE(ABORT, 'audit events are deleted only by retention');
END;

CREATE TABLE conversations (
    id          TEXT    PRIMARY KEY,
    tenant      TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    queue       TEXT    NOT NULL,
    team        TEXT    NOT NULL,
    outbound    INTEGER NOT NULL,
    transferred INTEGER NOT NULL,
    created_ms  INTEGER NOT NULL,
    answered_ms INTEGER NOT NULL,
    ended_ms    INTEGER NOT NULL,
    end_reason  TEXT    NOT NULL
);
CREATE INDEX conversations_created ON conversations (tenant, created_ms);

CREATE TABLE participants (
    party_id        TEXT    PRIMARY KEY,
    conversation_id TEXT    NOT NULL,
    tenant          TEXT    NOT NULL,
    user_id         TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    role            TEXT    NOT NULL,
    joined_ms       INTEGER NOT NULL,
    left_ms         INTEGER NOT NULL,
    left_reason     TEXT    NOT NULL
);
CREATE INDEX participants_conversation ON participants (conversation_id);

CREATE TABLE transfers (
    id              TEXT    PRIMARY KEY,
    conversation_id TEXT    NOT NULL,
    tenant          TEXT    NOT NULL,
    from_agent      TEXT    NOT NULL,
    to_agent        TEXT    NOT NULL,
    by_user         TEXT    NOT NULL,
    by_role         TEXT    NOT NULL,
    at_ms           INTEGER NOT NULL
);
CREATE INDEX transfers_conversation ON transfers (conversation_id);

CREATE TABLE messages (
    id              TEXT    PRIMARY KEY,
    conversation_id TEXT    NOT NULL,
    tenant          TEXT    NOT NULL,
    seq             INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    whisper         INTEGER NOT NULL,
    from_user       TEXT    NOT NULL,
    from_name       TEXT    NOT NULL,
    from_role       TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    at_ms           INTEGER NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, seq);

CREATE TABLE help_requests (
    id               TEXT    PRIMARY KEY,
    tenant           TEXT    NOT NULL,
    conversation_id  TEXT    NOT NULL,
    agent            TEXT    NOT NULL,
    agent_name       TEXT    NOT NULL,
    reason           TEXT    NOT NULL,
    comment          TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    provided_by      TEXT    NOT NULL,
    provided_by_name TEXT    NOT NULL,
    raised_ms        INTEGER NOT NULL,
    accepted_ms      INTEGER NOT NULL,
    closed_ms        INTEGER NOT NULL,
    cancelled_ms     INTEGER NOT NULL,
    end_reason       TEXT    NOT NULL
);
CREATE INDEX help_requests_raised ON help_requests (tenant, raised_ms);
