-- Recordings (F8): one row per recording, its files as JSON (name, party,
-- role, size, SHA-256 of each leg's file). The audio lives on disk.
CREATE TABLE recordings (
    id              TEXT    PRIMARY KEY,
    tenant          TEXT    NOT NULL,
    conversation_id TEXT    NOT NULL,
    started_by      TEXT    NOT NULL,
    started_ms      BIGINT  NOT NULL,
    ended_ms        BIGINT  NOT NULL,
    dir             TEXT    NOT NULL,
    files           TEXT    NOT NULL
);
CREATE INDEX recordings_started ON recordings (tenant, started_ms);
CREATE INDEX recordings_conversation ON recordings (tenant, conversation_id);
