-- Issue 15: paused clocks (挂起) and extensions (延期), ROUTING.md section 6.
-- A pause is a flag on the case, not a state (docs/case-lifecycle.md): while
-- paused_at is set the deadlines stand moved by the whole pause limit (so
-- no alert fires during the pause and a pause nobody resumes ends at its
-- limit); a resume takes back the part of the limit not used.
ALTER TABLE cases
    ADD COLUMN IF NOT EXISTS paused_at timestamptz,
    ADD COLUMN IF NOT EXISTS pause_until timestamptz,
    ADD COLUMN IF NOT EXISTS pause_reason text NOT NULL DEFAULT '',
    -- whether the pause moved the reply deadline (not replied when paused)
    ADD COLUMN IF NOT EXISTS pause_moved_reply boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS paused_total interval NOT NULL DEFAULT interval '0',
    ADD COLUMN IF NOT EXISTS pauses integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS extensions integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS extension_pending boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS extension_reason text NOT NULL DEFAULT '';
