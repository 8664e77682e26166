-- Supervisors' help-alert mutes, kept across restarts (one row per
-- supervisor; muted 0 after an unmute).
CREATE TABLE help_mutes (
    tenant     TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    muted      INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant, user_id)
);
