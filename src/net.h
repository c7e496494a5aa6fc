/*
 * Sockets: resolve, listen, accept, non-blocking connect, address strings.
 * Functions that take an err buffer return 0 / a count / a fd, or -1 (or
 * -2, see net_resolve) with the reason there (anet's convention);
 * net_accept leaves the reason in errno, and the formatting functions
 * cannot fail.  The caller decides what to log.
 */
#ifndef NET_H
#define NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define NET_ADDRSTRLEN 64 /* "[v6addr]:port" */

#include <stdbool.h>

/* An IPv4 or IPv6 address, or a block of them ("10.0.0.0/8"). */
struct net_cidr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits; /* of the prefix that counts */
};

/* addr (an address without brackets) with a prefix of bits (-1: the
 * whole address) as *c.  0, or -1 when it is no address or bits is too
 * long for it. */
int net_cidr_parse(const char *addr, int bits, struct net_cidr *c);

/* The same from text: "ADDR" or "ADDR/BITS".  0, or -1. */
int net_cidr_text(const char *s, struct net_cidr *c);

/* Whether the address of family at addr (4 or 16 bytes) lies in c. */
bool net_cidr_has(const struct net_cidr *c, int family,
    const unsigned char *addr);

/* "host:port", an IPv6 host in brackets: what CONNECT and messages
 * name. */
void net_hostport(char *out, size_t outlen, const char *host, const char *port);

/* The address of a peer as net_format() words it ("1.2.3.4:5",
 * "[::1]:5"), or an address alone, as family and bytes.  0, or -1 when
 * it is none (a Unix socket's "unix"). */
int net_peer_addr(const char *peer, int *family, unsigned char addr[16]);

struct addrinfo;

/* Listens on every address host resolves to; stores up to max fds.  An
 * IPv6 address may come in brackets, "[::1]".  Returns the count (>= 1)
 * or -1. */
int net_listen(const char *host, const char *port, int *fds, int max, char *err,
    size_t errlen);

struct sockaddr_un;

/* The address of the Unix socket at path.  0, or -1 when it does not fit
 * (sun_path is 108 bytes). */
int net_unix_addr(const char *path, struct sockaddr_un *sun, char *err,
    size_t errlen);

/* Listens on a Unix socket at path, its file created with mode (as 0600).
 * A socket file already there is replaced when nothing listens on it
 * (stale); a live socket or another kind of file is an error.  Returns
 * the fd or -1.  The caller unlinks path when it is done. */
int net_listen_unix(const char *path, unsigned mode, char *err, size_t errlen);

/* Accepts one connection, non-blocking with TCP_NODELAY.  Returns the fd,
 * or -1 with errno set (EAGAIN when there is none). */
int net_accept(int lfd, char *peer, size_t peerlen);

/* Resolves host:port for connecting, waiting at most timeout_sec.  Returns
 * 0 (free *res with freeaddrinfo()), -1 on failure, -2 on timeout. */
int net_resolve(const char *host, const char *port, double timeout_sec,
    struct addrinfo **res, char *err, size_t errlen);

/* Starts a non-blocking connect to one address.  Returns the fd (the
 * connect may still be in progress) or -1. */
int net_connect(const struct addrinfo *ai, char *err, size_t errlen);

/* After a connect became writable: 0 when connected, else -1. */
int net_connect_result(int fd, char *err, size_t errlen);

/* "127.0.0.1:80", "[::1]:80"; a Unix socket's path, or "unix" for a
 * peer's (which has none). */
void net_format(const struct sockaddr *sa, char *out, size_t outlen);

/* The local address of fd, formatted. */
void net_sockname(int fd, char *out, size_t outlen);

/* What a listening socket's own address says. */
struct net_local {
	char host[NET_ADDRSTRLEN]; /* as a Host header names it: "[::1]" */
	unsigned short port;
	bool wildcard; /* 0.0.0.0 or :: */
	bool loopback; /* 127.0.0.0/8 or ::1 */
};

/* Fills l from fd's address.  0, or -1 with the reason. */
int net_local(int fd, struct net_local *l, char *err, size_t errlen);

/* Calls add once for each address of the machine's interfaces, named as
 * in net_local.  0, or -1 with the reason. */
int net_interfaces(void (*add)(const char *host, void *arg), void *arg,
    char *err, size_t errlen);

#endif
