/*
 * position.c - the nearest compound to a position (see position.h). A
 * linear scan: a city's registry has thousands of compounds, and a scan of
 * those is microseconds, well under the classifier's cost per demand.
 */
#include "position.h"

#include <errno.h>
#include <math.h>

#define EARTH_RADIUS_M 6371008.8
#define DEG (M_PI / 180.0)

double position_distance_m(double lat1, double lon1, double lat2, double lon2)
{
    double dlat = (lat2 - lat1) * DEG, dlon = (lon2 - lon1) * DEG;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * DEG) * cos(lat2 * DEG) * sin(dlon / 2) * sin(dlon / 2);
    if (a > 1)
        a = 1;
    return 2 * EARTH_RADIUS_M * asin(sqrt(a));
}

int position_nearest_compound(const registry_t *r, double lat, double lon, double radius_m,
                              double *dist_m)
{
    int best = -ENOENT;
    double best_d = 0;
    if (!isfinite(lat) || !isfinite(lon) || !(radius_m >= 0))
        return -ENOENT;
    for (size_t i = 0; i < registry_unit_count(r); i++) {
        const reg_unit_t *u = registry_unit(r, i);
        if (u->kind != TIER_COMPOUND || !u->has_position)
            continue;
        double d = position_distance_m(lat, lon, u->lat, u->lon);
        if (d <= radius_m && (best < 0 || d < best_d)) {
            best = (int)i;
            best_d = d;
        }
    }
    if (best >= 0 && dist_m != NULL)
        *dist_m = best_d;
    return best;
}
