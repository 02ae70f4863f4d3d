/* sha256.h — SHA-256 (FIPS 180-4), for the manifest's content hashes. */
#ifndef INFRAC_SHA256_H
#define INFRAC_SHA256_H

#include <stddef.h>

/* Writes the lowercase hex digest of data (64 characters and a NUL) to hex. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
