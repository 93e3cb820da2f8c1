/*
 * wechat_conf.c - the WeChat account's settings file (see wechat_conf.h).
 */
#include "wechat_conf.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static int alnum_only(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

static int number(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

int wechat_conf_load(const char *path, wechat_conf_t *c, char *why, size_t why_len)
{
    memset(c, 0, sizeof *c);
    c->window_s = WECHAT_WINDOW_DEFAULT_S;
    c->budget_ms = WECHAT_BUDGET_DEFAULT_MS;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -ENOENT;
    char line[512], key_buf[WECHAT_AES_KEY_CHARS + 1] = "", appid[WECHAT_APPID_MAX + 1] = "";
    int rc = 0, n = 0;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        n++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            snprintf(why, why_len, "%s:%d: not \"key = value\"", path, n);
            rc = -EINVAL;
            break;
        }
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        long num = 0;
        if (strcmp(k, "token") == 0 && strlen(v) >= 3 && strlen(v) <= WECHAT_TOKEN_MAX &&
            alnum_only(v)) {
            memcpy(c->token, v, strlen(v) + 1);
        } else if (strcmp(k, "encoding_aes_key") == 0 && strlen(v) == WECHAT_AES_KEY_CHARS) {
            memcpy(key_buf, v, WECHAT_AES_KEY_CHARS + 1);
        } else if (strcmp(k, "appid") == 0 && *v && strlen(v) <= WECHAT_APPID_MAX) {
            memcpy(appid, v, strlen(v) + 1);
        } else if (strcmp(k, "window_s") == 0 && number(v, 1, 86400, &num) == 0) {
            c->window_s = (unsigned)num;
        } else if (strcmp(k, "budget_ms") == 0 && number(v, 100, 4800, &num) == 0) {
            c->budget_ms = (int)num;
        } else {
            snprintf(why, why_len, "%s:%d: %s: unknown key or bad value", path, n, k);
            rc = -EINVAL;
        }
    }
    fclose(f);
    if (rc == 0 && c->token[0] == '\0') {
        snprintf(why, why_len, "%s: no token (3-32 letters and digits)", path);
        rc = -EINVAL;
    }
    if (rc == 0 && (*key_buf || *appid)) {
        if (wechat_crypt_init(&c->crypt, key_buf, appid) < 0) {
            snprintf(why, why_len,
                     "%s: safe mode needs encoding_aes_key (43 base64 characters) "
                     "and appid",
                     path);
            rc = -EINVAL;
        } else {
            c->has_aes = 1;
        }
    }
    if (rc == 0) {
        c->replay = wechat_replay_create(c->window_s);
        if (c->replay == NULL)
            rc = -ENOMEM;
    }
    return rc;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static wechat_conf_t conf;
static int conf_ok;

static void load_once(void)
{
    const char *path = getenv(WECHAT_CONF_ENV);
    if (path == NULL || *path == '\0')
        path = WECHAT_CONF_DEFAULT;
    char why[300] = "";
    int rc = wechat_conf_load(path, &conf, why, sizeof why);
    if (rc == -ENOENT) {
        log_warn(NULL, "wechat: no settings file %s (%s): /wechat answers 503", path,
                 WECHAT_CONF_ENV);
    } else if (rc < 0) {
        log_error(NULL, "wechat: %s: /wechat answers 503", why);
    } else {
        conf_ok = 1;
        log_info(NULL, "wechat: account settings from %s (safe mode %s, window %us)", path,
                 conf.has_aes ? "available" : "off", conf.window_s);
    }
}

const wechat_conf_t *wechat_conf(void)
{
    pthread_once(&once, load_once);
    return conf_ok ? &conf : NULL;
}
