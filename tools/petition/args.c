/*
 * args.c - the one way a petition subcommand reads its flags: --help prints
 * the usage, a bad flag or a stray argument is an error (exit code 2).
 */
#include <stdio.h>

#include "commands.h"
#include "config.h"

int petition_parse_args(config_opt_t *o, size_t n, int argc, char **argv, const char *usage)
{
    char err[200];
    int rest = 0;
    int rc = config_parse(o, n, argc, argv, &rest, err, sizeof err);
    if (rc == 1) {
        config_usage(stdout, usage, o, n);
        return 0;
    }
    if (rc < 0 || rest != argc) {
        fprintf(stderr, "petition: %s\n", rc < 0 ? err : "unexpected argument (see --help)");
        return 2;
    }
    return -1; /* go on */
}
