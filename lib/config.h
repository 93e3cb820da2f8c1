/*
 * config.h - command-line flags with environment-variable fallbacks and
 * defaults, from one table per binary, so --help always tells the truth.
 * Precedence: --flag, then the environment variable, then the default.
 */
#ifndef LIANDONG_CONFIG_H
#define LIANDONG_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    const char *name; /* long flag without dashes, e.g. "listen" */
    const char *env;  /* environment variable or NULL */
    const char *def;  /* default value or NULL; for switches "0" */
    const char *help;
    int is_switch;     /* takes no value: present means "1" */
    const char *value; /* filled by config_parse */
} config_opt_t;

/* Parses argv[1..]. Stops at the first non-flag argument (or "--") and
 * stores its index in *rest. Returns 0, 1 when --help was asked for, or
 * -EINVAL with a message in err for an unknown flag or a missing value. */
int config_parse(config_opt_t *opts, size_t n, int argc, char **argv, int *rest, char *err,
                 size_t errlen);
void config_usage(FILE *f, const char *usage, const config_opt_t *opts, size_t n);
const char *config_get(const config_opt_t *opts, size_t n, const char *name);
/* Integer value in [min, max]; returns -EINVAL when not a number in range. */
int config_get_long(const config_opt_t *opts, size_t n, const char *name, long min, long max,
                    long *out);

#endif
