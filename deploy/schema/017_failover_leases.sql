-- Issue 17: named leases, so that of two notifiers exactly one fires
-- (services/ledger/req_lease.c, docs/failover.md). One row per name; the
-- holder renews it before expires_at; another holder is granted it only
-- after expires_at has passed by the database's clock. epoch counts the
-- changes of holder (a fencing number the holder can log and compare).
CREATE TABLE leases (
    name        text PRIMARY KEY,
    holder      text NOT NULL,
    epoch       bigint NOT NULL DEFAULT 1,
    expires_at  timestamptz NOT NULL
);
