-- Provider events in any order: when the subscription state last applied to a monthly gift was
-- reported (Unix milliseconds of the provider's event), so an older report arriving later
-- changes nothing. NULL until the first report.
ALTER TABLE donations ADD COLUMN subscription_state_at BIGINT;
