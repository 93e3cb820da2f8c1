/*
 * position.h - locating a demand by its position (issue 13): the compound
 * of the registry nearest to a WGS84 point, within a radius. Compounds
 * without a position (lat/long are optional in the registry) are never
 * chosen; a point farther than the radius from every compound locates
 * nothing, and the demand is placed as unlocated (ROUTING.md section 5).
 */
#ifndef LIANDONG_ROUTER_POSITION_H
#define LIANDONG_ROUTER_POSITION_H

#include "registry.h"

/* Default --locate-radius-m: about a compound's size plus a street. */
#define POSITION_RADIUS_M_DEFAULT 500

/* Great-circle distance in metres (haversine, mean Earth radius). */
double position_distance_m(double lat1, double lon1, double lat2, double lon2);
/* The unit index of the nearest compound within radius_m (ties: the one
 * listed first), or -ENOENT. *dist_m (may be NULL) gets its distance. */
int position_nearest_compound(const registry_t *r, double lat, double lon, double radius_m,
                              double *dist_m);

#endif
