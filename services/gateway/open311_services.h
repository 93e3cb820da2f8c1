/*
 * open311_services.h - the Open311 services: one per category of
 * ROUTING.md section 4 (open311_services.c).
 */
#ifndef GATEWAY_OPEN311_SERVICES_H
#define GATEWAY_OPEN311_SERVICES_H

#include <stddef.h>

#include "domain.h"

/* When the service list last changed (discovery's changeset), W3C. */
#define OPEN311_CHANGESET "2026-12-07T00:00:00+08:00"

typedef struct {
    const char *code;        /* the category's name (service_code) */
    const char *name;        /* 中文 */
    const char *description; /* what belongs here */
    tier_t group;            /* the tier that answers first */
    const char *attributes;  /* the attribute set of its definition, or NULL */
} open311_service_t;

const open311_service_t *open311_service_list(size_t *n);
/* The service with this code, or NULL. */
const open311_service_t *open311_service_find(const char *code);

#endif
