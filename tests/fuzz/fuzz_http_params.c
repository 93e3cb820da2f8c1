/*
 * fuzz_http_params.c - libFuzzer target for the gateway's URL and form
 * decoding (services/gateway/http_parse.c), which every query string and
 * every Open311 POST body goes through: any bytes give either an error or
 * parameters whose names and values are NUL-free strings no longer than
 * the input, never a crash or a read past it. The same bytes then go
 * through the XML escaper (xml_out.c), whose output must parse as text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"
#include "xml_out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static http_params_t params;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: ASan catches any read past the end. */
    char *in = malloc(size ? size : 1);
    if (in == NULL)
        return 0;
    memcpy(in, data, size);
    if (http_params_parse(in, size, &params) == 0) {
        for (size_t i = 0; i < params.count; i++)
            if (strlen(params.items[i].name) > size || strlen(params.items[i].value) > size)
                abort();
        (void)http_params_get(&params, "api_key");
        http_params_free(&params);
    }
    char *out = NULL;
    size_t n = 0;
    if (http_percent_decode(in, size, 0, &out, &n) == 0) {
        if (n > size || strlen(out) != n)
            abort(); /* a NUL was let through, or it grew */
        free(out);
    }
    char *x = NULL;
    size_t xl = 0;
    FILE *f = open_memstream(&x, &xl);
    if (f != NULL) {
        xml_escape(f, in, size);
        fclose(f);
        /* Escaped text has no markup character left. */
        if (x != NULL && (memchr(x, '<', xl) || memchr(x, '>', xl) || memchr(x, '\0', xl)))
            abort();
        free(x);
    }
    free(in);
    return 0;
}
