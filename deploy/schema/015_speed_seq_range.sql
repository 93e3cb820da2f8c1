-- 015_speed_seq_range.sql - the event counter row written once per
-- transaction instead of once per event statement (issue 16,
-- docs/write-path.md).
--
-- Before: every statement that writes events ran ld_next_seq(n), an UPDATE
-- of the one ledger_counters row. A batch of 64 new cases updated that row
-- 64 times in one transaction; none of those versions can be pruned while
-- the transaction is open, so each UPDATE walked a longer chain of dead
-- versions of the same row and the page filled up.
--
-- Now: the first ld_next_seq of a transaction locks the row (FOR UPDATE:
-- the same lock the UPDATE took, held to COMMIT, so seq order is still
-- commit order and the numbers stay gap-free) and reads it; later calls in
-- the same transaction only move a transaction-local setting; one UPDATE at
-- COMMIT (a deferred trigger, as 006 does for roll-ups) writes the last
-- number taken. Whoever reads the row (ListDeadlines' snapshot seq, another
-- session) sees exactly what it saw before: the value as of the last
-- commit. A rolled-back transaction or subtransaction rolls the setting back
-- with its rows.

-- One note per transaction that took numbers: it arms the trigger. Unlogged
-- and emptied by the trigger, as ld_pending_bumps.
CREATE UNLOGGED TABLE ld_pending_seq (
    tx bigint NOT NULL
);

CREATE OR REPLACE FUNCTION ld_next_seq(n integer) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_tx text := txid_current()::text;
    v bigint;
BEGIN
    IF current_setting('liandong.seq_tx', true) IS DISTINCT FROM v_tx THEN
        SELECT value INTO v FROM ledger_counters WHERE name = 'event_seq' FOR UPDATE;
        INSERT INTO ld_pending_seq (tx) VALUES (v_tx::bigint);
        PERFORM set_config('liandong.seq_tx', v_tx, true);
    ELSE
        v := current_setting('liandong.seq')::bigint;
    END IF;
    v := v + n;
    PERFORM set_config('liandong.seq', v::text, true);
    RETURN v;
END $$;

-- At COMMIT: the last number this transaction took goes into the row it has
-- held locked since its first ld_next_seq.
CREATE FUNCTION ld_flush_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ledger_counters SET value = current_setting('liandong.seq')::bigint
     WHERE name = 'event_seq';
    DELETE FROM ld_pending_seq WHERE tx = NEW.tx;
    -- Fired early (SET CONSTRAINTS ... IMMEDIATE), a later call opens
    -- again from the row just written and arms a new note.
    PERFORM set_config('liandong.seq_tx', '', true);
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ld_pending_seq_flush AFTER INSERT ON ld_pending_seq
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ld_flush_seq();
