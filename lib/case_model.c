/*
 * case_model.c - names of the case states and events, and which states
 * are open (see case_model.h).
 */
#include "case_model.h"

#include <errno.h>
#include <string.h>

static const struct {
    const char *name;
    int open;
} states[CS_COUNT] = {
    [CS_RECEIVED] = {CASE_STATE_RECEIVED, 1},   [CS_ASSIGNED] = {CASE_STATE_ASSIGNED, 1},
    [CS_DELIVERED] = {CASE_STATE_DELIVERED, 1}, [CS_ACCEPTED] = {CASE_STATE_ACCEPTED, 1},
    [CS_REPLIED] = {CASE_STATE_REPLIED, 1},     [CS_RESOLVED] = {CASE_STATE_RESOLVED, 0},
    [CS_CLOSED] = {CASE_STATE_CLOSED, 0},       [CS_RETURNED] = {CASE_STATE_RETURNED, 1},
};

static const char *const events[CE_COUNT] = {
    [CE_CREATED] = CASE_EVENT_CREATED,
    [CE_ASSIGNED] = CASE_EVENT_ASSIGNED,
    [CE_DELIVERED] = CASE_EVENT_DELIVERED,
    [CE_ACCEPTED] = CASE_EVENT_ACCEPTED,
    [CE_REPLIED] = CASE_EVENT_REPLIED,
    [CE_RESOLVED] = CASE_EVENT_RESOLVED,
    [CE_RETURNED] = CASE_EVENT_RETURNED,
    [CE_ESCALATED] = CASE_EVENT_ESCALATED,
    [CE_DISPATCHED] = CASE_EVENT_DISPATCHED,
    [CE_RATED] = CASE_EVENT_RATED,
    [CE_CLOSED] = CASE_EVENT_CLOSED,
    [CE_PAUSED] = CASE_EVENT_PAUSED,
    [CE_RESUMED] = CASE_EVENT_RESUMED,
    [CE_EXTENSION_REQUESTED] = CASE_EVENT_EXTENSION_REQUESTED,
    [CE_EXTENSION_GRANTED] = CASE_EVENT_EXTENSION_GRANTED,
    [CE_EXTENSION_REFUSED] = CASE_EVENT_EXTENSION_REFUSED,
    [CE_COMMENTED] = CASE_EVENT_COMMENTED,
    [CE_REPORTER_JOINED] = CASE_EVENT_REPORTER_JOINED,
    [CE_REPORTER_UNLINKED] = CASE_EVENT_REPORTER_UNLINKED,
    [CE_FOLLOWED_UP] = CASE_EVENT_FOLLOWED_UP,
    [CE_WITHDRAWN] = CASE_EVENT_WITHDRAWN,
};

const char *case_state_name(case_state_t s)
{
    return (unsigned)s < CS_COUNT ? states[s].name : "unknown";
}

int case_state_from_name(const char *s)
{
    for (int i = 0; i < CS_COUNT; i++)
        if (s != NULL && strcmp(s, states[i].name) == 0)
            return i;
    return -EINVAL;
}

int case_state_is_open(case_state_t s)
{
    return (unsigned)s < CS_COUNT && states[s].open;
}

const char *case_event_name(case_event_t e)
{
    return (unsigned)e < CE_COUNT ? events[e] : "unknown";
}

int case_event_from_name(const char *s)
{
    for (int i = 0; i < CE_COUNT; i++)
        if (s != NULL && strcmp(s, events[i]) == 0)
            return i;
    return -EINVAL;
}
