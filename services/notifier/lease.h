/*
 * lease.h - which of two notifiers fires (issue 17, docs/failover.md): the
 * one holding lease "notifier" in the ledger (Lease request,
 * services/ledger/req_lease.c). Both follow the event stream and keep the
 * deadline table; only the holder records alerts, escalates and resumes
 * pauses. The holder asks again every ttl/3; it stops firing when its
 * grant runs out unrenewed (counted from when it asked, so it stops before
 * the ledger can grant the lease to the other one).
 *
 * A takeover neither loses nor doubles an alert: the ledger records each
 * (case, deadline, stage, due time) once and the notifier publishes only
 * what it recorded first; escalations and resumes go under request ids
 * derived from the deadline, which the ledger deduplicates. The lease only
 * keeps the standby from doing the work twice.
 */
#ifndef LIANDONG_NOTIFIER_LEASE_H
#define LIANDONG_NOTIFIER_LEASE_H

struct notifier;

/* Starts asking for the lease (ttl_ms 0 in the config: no lease, always
 * fire, as a single notifier did before). 0 or a negative errno. */
int notifier_lease_start(struct notifier *n);
void notifier_lease_stop(struct notifier *n);
/* On a planned stop, before the ledger client is destroyed: ends our grant
 * (Lease with ttl 0) so that the standby fires at its next ask. */
void notifier_lease_give_up(struct notifier *n);
/* True while this notifier may fire. */
int notifier_lease_firing(const struct notifier *n);

#endif
