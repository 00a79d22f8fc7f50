-- Each verified backup (issue 25): when it was taken, where, how big, and how many rows it holds.
-- The age of the newest one is the `sharecare_last_backup_age_seconds` metric, for SQLite copies
-- made by `sharecare backup` and PostgreSQL dumps alike.
CREATE TABLE backups (
    id TEXT PRIMARY KEY,
    taken_at BIGINT NOT NULL,
    file TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    rows_copied BIGINT NOT NULL
);
CREATE INDEX backups_by_time ON backups (taken_at);
