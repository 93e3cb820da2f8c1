/*
 * accounts.c - console accounts with Argon2id password hashes
 * (accounts.h).
 */
#include "accounts.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_MAX_LEN (ACCOUNT_PRINCIPAL_MAX + crypto_pwhash_STRBYTES + 4)

/* The characters a key file name may hold (lib/curve.c): the principal
 * names a key in the keys directory. */
static int name_ok(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '@'))
            return 0;
    return 1;
}

int accounts_principal_ok(const char *principal)
{
    if (principal == NULL || strlen(principal) >= ACCOUNT_PRINCIPAL_MAX)
        return -EINVAL;
    if (strncmp(principal, "operator.", 9) == 0)
        return name_ok(principal + 9) && strchr(principal + 9, '@') == NULL ? 0 : -EINVAL;
    if (strncmp(principal, "staff.", 6) == 0) {
        const char *at = strrchr(principal + 6, '@');
        return name_ok(principal + 6) && at != NULL && at > principal + 6 && at[1] != '\0'
                   ? 0
                   : -EINVAL;
    }
    return -EINVAL;
}

/* Finds the hash of `principal` in the file: 1 found (copied to hash), 0
 * not found, -EIO unreadable. */
static int lookup(const char *path, const char *principal, char hash[crypto_pwhash_STRBYTES])
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return errno == ENOENT ? 0 : -EIO;
    char line[LINE_MAX_LEN];
    size_t plen = strlen(principal);
    int found = 0;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, principal, plen) != 0 || line[plen] != ' ')
            continue;
        char *h = line + plen + 1;
        h[strcspn(h, "\r\n")] = '\0';
        if (strlen(h) < crypto_pwhash_STRBYTES) {
            snprintf(hash, crypto_pwhash_STRBYTES, "%s", h);
            found = 1;
        }
    }
    fclose(f);
    sodium_memzero(line, sizeof line);
    return found;
}

int accounts_verify(const char *path, const char *principal, const char *password)
{
    if (sodium_init() < 0)
        return -EIO;
    /* Hashed once with the same parameters: an unknown account costs the
     * same Argon2id work as a known one. */
    static char dummy[crypto_pwhash_STRBYTES];
    static int have_dummy;
    char hash[crypto_pwhash_STRBYTES] = "";
    int found = accounts_principal_ok(principal) == 0 ? lookup(path, principal, hash) : 0;
    if (found < 0)
        return found;
    if (!found) {
        if (!have_dummy &&
            crypto_pwhash_str(dummy, "not a password", 14, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0)
            have_dummy = 1; /* a benign race: both threads write the same kind of value */
        if (have_dummy && crypto_pwhash_str_verify(dummy, password, strlen(password)) == 0)
            return -ENOENT; /* cannot happen; the work is what counts */
        return -ENOENT;
    }
    int ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
    sodium_memzero(hash, sizeof hash);
    return ok ? 0 : -EACCES;
}

int accounts_exists(const char *path, const char *principal)
{
    char hash[crypto_pwhash_STRBYTES];
    return lookup(path, principal, hash);
}

int accounts_set(const char *path, const char *principal, const char *password)
{
    if (sodium_init() < 0)
        return -EIO;
    if (accounts_principal_ok(principal) < 0 || password == NULL ||
        strlen(password) < ACCOUNT_PASSWORD_MIN)
        return -EINVAL;
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return -ENOMEM;
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= sizeof tmp)
        return -ENAMETOOLONG;
    /* 0600 from the start: the hashes are never readable by others. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    FILE *out = fdopen(fd, "w");
    if (out == NULL) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return -e;
    }
    FILE *in = fopen(path, "r");
    char line[LINE_MAX_LEN];
    size_t plen = strlen(principal);
    while (in != NULL && fgets(line, sizeof line, in) != NULL) {
        if (strncmp(line, principal, plen) == 0 && line[plen] == ' ')
            continue; /* replaced below */
        fputs(line, out);
    }
    if (in != NULL)
        fclose(in);
    fprintf(out, "%s %s\n", principal, hash);
    int bad = fflush(out) != 0 || fsync(fileno(out)) != 0;
    bad |= fclose(out) != 0;
    if (bad || rename(tmp, path) != 0) {
        int e = errno ? errno : EIO;
        unlink(tmp);
        return -e;
    }
    return 0;
}

void accounts_random_password(char *out, size_t len)
{
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    if (len == 0)
        return;
    if (sodium_init() < 0) {
        out[0] = '\0';
        return;
    }
    for (size_t i = 0; i + 1 < len; i++)
        out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
    out[len - 1] = '\0';
}
