-- Issue 15: the policy and clock behind each case's deadlines, as the
-- router computed them at placement (lib/policy.h). Cases stored before
-- this migration ran on ROUTING.md section 6 in natural hours: the defaults
-- say exactly that.
ALTER TABLE cases
    ADD COLUMN IF NOT EXISTS deadline_policy text NOT NULL DEFAULT 'default',
    ADD COLUMN IF NOT EXISTS reply_clock text NOT NULL DEFAULT 'natural'
        CHECK (reply_clock IN ('natural', 'working_days', 'working_hours')),
    ADD COLUMN IF NOT EXISTS resolve_clock text NOT NULL DEFAULT 'natural'
        CHECK (resolve_clock IN ('natural', 'working_days', 'working_hours'));
