-- The retry window of an event starts at its first delivery attempt: an event that waited behind
-- an earlier event of its invoice must not be given up after a single failure.
ALTER TABLE events ADD COLUMN first_attempt_at timestamptz;
