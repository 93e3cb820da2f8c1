/*
 * fuzz_wechat_xml.c - libFuzzer target for the WeChat callback's XML reader
 * (lib/wechat_xml.h) and, on what it accepts, the safe-mode decryption and
 * the reply writer: any bytes give a parse or a refusal, never a crash or
 * a leak; every accepted field is within its limit and is NUL-terminated;
 * a reply written with a field reads back as that field (CDATA splitting).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wechat_crypt.h"
#include "wechat_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* XML 1.0 characters only: the writer drops the rest (C0 controls). */
static int xml_clean(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n')
            return 0; /* '\r' is normalised by every XML parser */
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wechat_msg_t m;
    int rc = wechat_xml_parse((const char *)data, size, &m, NULL, 0);
    if (rc == 0) {
        for (int f = 0; f < WX_NFIELDS; f++) {
            if (m.field[f] == NULL)
                continue;
            if (m.len[f] > wechat_field_max((wechat_field_t)f) || strlen(m.field[f]) > m.len[f])
                abort();
        }
        const char *content = wechat_msg_get(&m, WX_CONTENT);
        char *reply =
            wechat_xml_text_reply(wechat_msg_get(&m, WX_FROM_USER), "gh_fuzz", 1, content);
        if (reply == NULL)
            abort();
        wechat_msg_t back;
        if (wechat_xml_parse(reply, strlen(reply), &back, NULL, 0) == 0 && xml_clean(content) &&
            strcmp(wechat_msg_get(&back, WX_CONTENT), content) != 0)
            abort();
        wechat_msg_clear(&back);
        free(reply);
        static wechat_crypt_t crypt;
        static int ready;
        if (!ready && wechat_crypt_init(&crypt, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                                        "wx5823bf96d3bd56c7") == 0)
            ready = 1;
        char *plain = NULL;
        size_t len = 0;
        if (ready && m.field[WX_ENCRYPT] != NULL &&
            wechat_decrypt(&crypt, m.field[WX_ENCRYPT], &plain, &len) == 0)
            free(plain);
    }
    wechat_msg_clear(&m);
    return 0;
}
