-- Issue 15: a body's figures say how many of its cases were paused (挂起)
-- or granted an extension (延期) in the period, counted from those events
-- (req_figures.c). They are few among the events: a partial index keeps
-- the count from reading the whole history.
CREATE INDEX IF NOT EXISTS case_events_clock_at ON case_events (at)
    WHERE kind IN ('paused', 'extension_granted');
