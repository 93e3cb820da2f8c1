/*
 * fuzz_envelope.c - libFuzzer target for the wire decoder: any bytes must
 * unpack or be refused, never crash or leak (after oss-fuzz's protobuf-c
 * unpack_fuzzer), and whatever unpacks must pack again.
 */
#include <stdint.h>
#include <stdlib.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[160];
    wire_msg_t *m = NULL;
    if (wire_unpack(data, size, 1u << 20, &m, err, sizeof err) == 0) {
        uint8_t *buf = NULL;
        size_t len = 0;
        if (wire_pack(wire_envelope(m), &buf, &len) == 0)
            free(buf);
        (void)wire_body_name(wire_envelope(m));
        wire_free(&m);
    }
    return 0;
}
