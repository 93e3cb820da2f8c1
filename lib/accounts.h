/*
 * accounts.h - the web console's named accounts: one per person, each
 * bound to a principal of docs/roles.md (operator.<name> or
 * staff.<name>@<body id>), with a password hashed with Argon2id
 * (libsodium's crypto_pwhash_str: salt and parameters in the string).
 *
 * The accounts file holds one account a line, "<principal> <hash>\n", mode
 * 0600, rewritten whole through a temporary file and rename (a crash
 * leaves the old file or the new one, never half of one). The gateway
 * reads it at every login, so an account added or a password changed
 * works at once. `petition accounts` writes it.
 */
#ifndef LIANDONG_ACCOUNTS_H
#define LIANDONG_ACCOUNTS_H

#include <stddef.h>

#define ACCOUNT_PRINCIPAL_MAX 128
#define ACCOUNT_PASSWORD_MIN 10

/* 0 when `principal` may hold a console account: "operator.<name>" or
 * "staff.<name>@<body>" with a name of letters, digits and _ - @ (a
 * key file name, lib/curve.h);
 * -EINVAL otherwise. */
int accounts_principal_ok(const char *principal);
/* 0 when the password is right; -EACCES when wrong; -ENOENT when the
 * account does not exist (the same work is done either way, so the time
 * taken tells nothing); -EIO when the file cannot be read. */
int accounts_verify(const char *path, const char *principal, const char *password);
/* Adds the account or sets its password. -EINVAL for a principal
 * accounts_principal_ok refuses or a password shorter than
 * ACCOUNT_PASSWORD_MIN bytes; -errno when the file cannot be written. */
int accounts_set(const char *path, const char *principal, const char *password);
/* 1 when the account exists, 0 when not, negative on a read error. */
int accounts_exists(const char *path, const char *principal);
/* A random password of `len - 1` letters and digits (no look-alikes). */
void accounts_random_password(char *out, size_t len);

#endif
