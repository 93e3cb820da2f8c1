/*
 * config.c - flag/environment/default resolution (see config.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static config_opt_t *find(config_opt_t *opts, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return &opts[i];
    return NULL;
}

int config_parse(config_opt_t *opts, size_t n, int argc, char **argv, int *rest, char *err,
                 size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        const char *env = opts[i].env ? getenv(opts[i].env) : NULL;
        opts[i].value = (env != NULL && *env != '\0') ? env : opts[i].def;
    }
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strncmp(a, "--", 2) != 0)
            break;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            if (rest)
                *rest = i;
            return 1;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        config_opt_t *o = find(opts, n, name, len);
        if (o == NULL) {
            snprintf(err, errlen, "unknown option --%.*s (see --help)", (int)len, name);
            return -EINVAL;
        }
        if (o->is_switch) {
            if (eq) {
                snprintf(err, errlen, "option --%s takes no value", o->name);
                return -EINVAL;
            }
            o->value = "1";
        } else if (eq) {
            o->value = eq + 1;
        } else if (i + 1 < argc) {
            o->value = argv[++i];
        } else {
            snprintf(err, errlen, "option --%s needs a value", o->name);
            return -EINVAL;
        }
    }
    if (rest)
        *rest = i;
    return 0;
}

void config_usage(FILE *f, const char *usage, const config_opt_t *opts, size_t n)
{
    fprintf(f, "%s\n\nOptions (flag, then environment variable, then default):\n", usage);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  --%-16s %s", opts[i].name, opts[i].help);
        if (opts[i].env)
            fprintf(f, " [env %s]", opts[i].env);
        if (opts[i].def && !opts[i].is_switch)
            fprintf(f, " (default %s)", opts[i].def);
        fputc('\n', f);
    }
    fprintf(f, "  --%-16s %s\n", "help", "show this help");
}

const char *config_get(const config_opt_t *opts, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(opts[i].name, name) == 0)
            return opts[i].value;
    return NULL;
}

int config_get_long(const config_opt_t *opts, size_t n, const char *name, long min, long max,
                    long *out)
{
    const char *v = config_get(opts, n, name);
    if (v == NULL || *v == '\0')
        return -EINVAL;
    char *end = NULL;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || x < min || x > max)
        return -EINVAL;
    *out = x;
    return 0;
}
