-- licensor schema, version 6: periodic consumption resets without a job.
-- consumption_period_start is the start (Unix ms) of the period the stored
-- total counts; 0 when it never counted one. A total whose period has ended
-- reads as 0, and the next addition starts the current period in the same
-- statement that claims it, so a reset can never be missed by a stopped
-- job or lost between two instances.
ALTER TABLE licenses ADD COLUMN consumption_period_start BIGINT NOT NULL DEFAULT 0;
ALTER TABLE license_features ADD COLUMN consumption_period_start BIGINT NOT NULL DEFAULT 0;
