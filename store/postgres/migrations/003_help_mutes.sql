-- Supervisors' help-alert mutes, kept across restarts (one row per
-- supervisor; muted false after an unmute).
CREATE TABLE help_mutes (
    tenant     TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    muted      BOOLEAN NOT NULL,
    updated_ms BIGINT  NOT NULL,
    PRIMARY KEY (tenant, user_id)
);
