/*
 * Who may connect (the Host, the Origin, Basic authorization), decided
 * over a parsed request against struct handshake_policy; and request
 * heads with their credentials masked for the logs.
 *
 * Error convention: checks return 0, or the HTTP status to refuse with
 * (401, 403) and a one-line reason in err.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "handshake.h"

/*
 * The access checks, each a pure function of a parsed request (upgrade or
 * plain GET/HEAD) and the policy; each returns 0 or the status to refuse
 * with, the reason in err (the peer's values escaped):
 *
 * policy_check_host: 403 "host 'NAME' not allowed" unless the name in
 * Host (its port ignored) is one of pol->hosts.
 *
 * policy_check_origin: 403 "origin 'ORIGIN' not allowed" unless there
 * is no Origin (a client that is not a browser), or it is our own (scheme
 * http, or https with pol->tls; a host that passes the Host check or is
 * the request's Host; a port in pol->ports), or it matches an entry of
 * pol->origins as RFC 6454 serializations do (scheme and host in any
 * case, default ports the same as none), or pol->origins has "*".
 *
 * policy_check_auth: with pol->credentials, 401 "authorization
 * missing" or "authorization wrong" unless the request has Basic
 * authorization with one of them (compared in constant time).
 *
 * policy_check_access runs the three in that order.
 */
int policy_check_host(const struct handshake_request *req,
    const struct handshake_policy *pol, char *err, size_t errlen);
int policy_check_origin(const struct handshake_request *req,
    const struct handshake_policy *pol, char *err, size_t errlen);
int policy_check_auth(const struct handshake_request *req,
    const struct handshake_policy *pol, char *err, size_t errlen);
int policy_check_access(const struct handshake_request *req,
    const struct handshake_policy *pol, char *err, size_t errlen);

/* True when s can be an entry of pol->origins: "*", "null", or
 * scheme://host[:port] with at most "/" after it. */
bool policy_origin_valid(const char *s);

/* The client a trusted proxy forwarded the request head for: the last
 * element's for= of the last Forwarded header (RFC 7239), else the last
 * address of the last X-Forwarded-For, as an address in out (at least
 * INET6_ADDRSTRLEN bytes; no brackets, no port).  0, or -1 when there is
 * none or it is no address (an obfuscated "_name" or "unknown"). */
int policy_forwarded_for(const char *head, size_t len, char *out,
    size_t outlen);

/* Copies the head of len bytes to out (outlen bytes, NUL-ended, cut to
 * fit) with the value of every Authorization and Proxy-Authorization
 * header but its scheme replaced by "***": a head fit for a log. */
void policy_redact(const char *head, size_t len, char *out, size_t outlen);

#endif
