-- Personal share links: a code made by the server on request, for one story. Donations made
-- after landing on the link carry the code (donations.referral_code); the code's public page
-- sums them, never naming who gave.
CREATE TABLE referral_codes (
    code TEXT PRIMARY KEY,
    story_slug TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
