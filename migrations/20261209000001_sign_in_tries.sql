-- A donor's sign-in code dies after 5 wrong tries (issue 23, finding 3): the wrong tries
-- against the live sign-in of an email are counted on it.
ALTER TABLE donor_sign_ins ADD COLUMN wrong_tries BIGINT NOT NULL DEFAULT 0;
