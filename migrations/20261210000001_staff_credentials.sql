-- Staff sessions that end when they should, a second factor that cannot be guessed, and a way
-- in when the phone is lost (issue 23, findings 5 and 6).

-- Bumped by every change to what lets a member of staff in (a new password, disabling, a new
-- role, a second factor turned on): a session remembers the value it began with and is refused
-- once it differs.
ALTER TABLE staff_users ADD COLUMN credential_epoch BIGINT NOT NULL DEFAULT 0;
-- Wrong second-factor codes after a right password, counted from the first of them; five
-- within the lock's length lock the second factor until `second_factor_locked_until`.
ALTER TABLE staff_users ADD COLUMN second_factor_misses BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff_users ADD COLUMN second_factor_missed_since BIGINT;
ALTER TABLE staff_users ADD COLUMN second_factor_locked_until BIGINT;

-- One-time recovery codes, made when a second factor is turned on and shown once. Only their
-- hash is kept; each works once (`used_at`).
CREATE TABLE staff_recovery_codes (
    code_hash TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff_users (id),
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX staff_recovery_codes_of_staff ON staff_recovery_codes (staff_id);
