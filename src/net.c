/*
 * Basic TCP socket plumbing, made a bit less boring (after redis anet.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "net.h"

void
net_format(const struct sockaddr *sa, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(out, outlen, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(out, outlen, "%s:%u", host, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *un = (const void *)sa;

		/* An accepted peer's address has no path. */
		snprintf(out, outlen, un->sun_path[0] ? "%s" : "unix",
		    un->sun_path);
	} else
		snprintf(out, outlen, "?");
}

void
net_sockname(int fd, char *out, size_t outlen)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		snprintf(out, outlen, "?");
	else
		net_format((struct sockaddr *)&ss, out, outlen);
}

/* The address of sa as a Host header names it, in brackets for IPv6;
 * false for another family. */
static bool
host_format(const struct sockaddr *sa, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(out, outlen, "[%s]", host);
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, out, outlen);
	} else
		return false;
	return true;
}

int
net_local(int fd, struct net_local *l, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
	socklen_t len = sizeof(ss);

	memset(l, 0, sizeof(*l));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		snprintf(err, errlen, "getsockname: %s", strerror(errno));
		return -1;
	}
	if (!host_format((struct sockaddr *)&ss, l->host, sizeof(l->host))) {
		snprintf(err, errlen, "getsockname: not an IP address");
		return -1;
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&ss;

		l->port = ntohs(s6->sin6_port);
		l->wildcard = IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
		l->loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	} else {
		const struct sockaddr_in *s4 = (const void *)&ss;
		uint32_t a = ntohl(s4->sin_addr.s_addr);

		l->port = ntohs(s4->sin_port);
		l->wildcard = a == INADDR_ANY;
		l->loopback = (a >> 24) == 127;
	}
	return 0;
}

int
net_interfaces(void (*add)(const char *host, void *arg), void *arg, char *err,
    size_t errlen)
{
	struct ifaddrs *list, *ifa;
	char host[NET_ADDRSTRLEN];

	if (getifaddrs(&list) == -1) {
		snprintf(err, errlen, "getifaddrs: %s", strerror(errno));
		return -1;
	}
	for (ifa = list; ifa != NULL; ifa = ifa->ifa_next)
		if (ifa->ifa_addr != NULL &&
		    host_format(ifa->ifa_addr, host, sizeof(host)))
			add(host, arg);
	freeifaddrs(list);
	return 0;
}

/* Describes errno for the address in err, closes fd if open; -1. */
static int
sock_fail(const struct addrinfo *ai, int fd, char *err, size_t errlen)
{
	char addr[NET_ADDRSTRLEN];

	net_format(ai->ai_addr, addr, sizeof(addr));
	snprintf(err, errlen, "%s: %s", addr, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

static int
listen_one(const struct addrinfo *ai, char *err, size_t errlen)
{
	int fd, on = 1;

	fd = socket(ai->ai_family,
	    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	/* "::" means IPv6 only; a separate -a 0.0.0.0 covers IPv4. */
	if (ai->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		goto fail;
	if (listen(fd, SOMAXCONN) == -1)
		goto fail;
	return fd;
fail:
	return sock_fail(ai, fd, err, errlen);
}

int
net_listen(const char *host, const char *port, int *fds, int max, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	char bare[NET_ADDRSTRLEN];
	const char *name = host;
	size_t len = strlen(host);
	int r, n = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	/* "[::1]", as URLs and our own ready line write an IPv6 address. */
	if (len > 2 && host[0] == '[' && host[len - 1] == ']' &&
	    len - 2 < sizeof(bare) && memchr(host + 1, ':', len - 2) != NULL) {
		memcpy(bare, host + 1, len - 2);
		bare[len - 2] = '\0';
		name = bare;
		hints.ai_family = AF_INET6;
		hints.ai_flags |= AI_NUMERICHOST;
	}
	if ((r = getaddrinfo(name, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		if ((fds[n] = listen_one(ai, err, errlen)) == -1)
			break;
		n++;
	}
	freeaddrinfo(res);
	if (ai != NULL && n < max) { /* one address failed: undo */
		while (n > 0)
			close(fds[--n]);
		return -1;
	}
	return n;
}

int
net_accept(int lfd, char *peer, size_t peerlen)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
	socklen_t len = sizeof(ss);
	int fd, on = 1;

	fd = accept4(lfd, (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1)
		return -1;
	/* We batch frames ourselves; don't let Nagle add latency. */
	if (ss.ss_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	net_format((struct sockaddr *)&ss, peer, peerlen);
	return fd;
}

int
net_unix_addr(const char *path, struct sockaddr_un *sun, char *err,
    size_t errlen)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (*path == '\0' || strlen(path) >= sizeof(sun->sun_path)) {
		snprintf(err, errlen,
		    "%s: a socket path must have 1 to %zu "
		    "bytes",
		    path, sizeof(sun->sun_path) - 1);
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path));
	return 0;
}

/* Whether something listens on the socket at sun: a live one is not
 * ours to replace, a stale one (ECONNREFUSED) is. */
static bool
unix_live(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live = fd != -1 &&
	    (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
		errno != ECONNREFUSED);

	if (fd != -1)
		close(fd);
	return live;
}

int
net_listen_unix(const char *path, unsigned mode, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd, r;

	if (net_unix_addr(path, &sun, err, errlen) == -1)
		return -1;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s: exists and is no socket",
			    path);
			return -1;
		}
		if (unix_live(&sun)) {
			snprintf(err, errlen, "%s: in use", path);
			return -1;
		}
		(void)unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		 0)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* The mode is the socket file's from its birth: no window in which
	 * anyone else may connect. */
	old = umask(~mode & 0777);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r == -1 || listen(fd, SOMAXCONN) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
net_resolve(const char *host, const char *port, double timeout_sec,
    struct addrinfo **res, char *err, size_t errlen)
{
	/* Static: after a timeout the resolver thread may still write to
	 * them.  A process resolves once, so one set is enough. */
	static struct addrinfo hints;
	static struct gaicb req;
	struct gaicb *list[1] = { &req };
	struct timespec ts;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/* An address literal needs no lookup and no resolver thread. */
	hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
	if (getaddrinfo(host, port, &hints, res) == 0)
		return 0;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	memset(&req, 0, sizeof(req));
	req.ar_name = host;
	req.ar_service = port;
	req.ar_request = &hints;
	if ((r = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(r));
		return -1;
	}
	ts.tv_sec = (time_t)timeout_sec;
	ts.tv_nsec = (long)((timeout_sec - ts.tv_sec) * 1e9);
	while ((r = gai_suspend((const struct gaicb *const *)list, 1, &ts)) ==
	    EAI_INTR)
		;
	if (r == EAI_AGAIN && gai_error(&req) == EAI_INPROGRESS) {
		gai_cancel(&req);
		snprintf(err, errlen, "%s: name lookup timed out", host);
		return -2;
	}
	if ((r = gai_error(&req)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(r));
		return -1;
	}
	*res = req.ar_result;
	return 0;
}

int
net_connect(const struct addrinfo *ai, char *err, size_t errlen)
{
	int fd, on = 1;

	fd = socket(ai->ai_family,
	    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		goto fail;
	if (ai->ai_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	/* A Unix socket with a full backlog says EAGAIN: wait as for TCP. */
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    errno != EINPROGRESS && errno != EAGAIN)
		goto fail;
	return fd;
fail:
	return sock_fail(ai, fd, err, errlen);
}

int
net_connect_result(int fd, char *err, size_t errlen)
{
	int e = 0;
	socklen_t elen = sizeof(e);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1)
		e = errno;
	if (e == 0)
		return 0;
	snprintf(err, errlen, "%s", strerror(e));
	return -1;
}

int
net_cidr_parse(const char *addr, int bits, struct net_cidr *c)
{
	if (inet_pton(AF_INET, addr, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, c->addr) == 1)
		c->family = AF_INET6;
	else
		return -1;
	c->bits = c->family == AF_INET ? 32 : 128;
	if (bits > c->bits)
		return -1;
	if (bits >= 0)
		c->bits = bits;
	return 0;
}

int
net_cidr_text(const char *s, struct net_cidr *c)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	int bits = -1;

	if (n >= sizeof(addr))
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (slash != NULL) {
		if (slash[1] == '\0' || strlen(slash + 1) > 3 ||
		    strspn(slash + 1, "0123456789") != strlen(slash + 1))
			return -1;
		bits = atoi(slash + 1);
	}
	return net_cidr_parse(addr, bits, c);
}

bool
net_cidr_has(const struct net_cidr *c, int family, const unsigned char *addr)
{
	int whole = c->bits / 8, rest = c->bits % 8;

	if (family != c->family || memcmp(c->addr, addr, whole) != 0)
		return false;
	return rest == 0 ||
	    ((c->addr[whole] ^ addr[whole]) & (0xff00 >> rest)) == 0;
}

void
net_hostport(char *out, size_t outlen, const char *host, const char *port)
{
	snprintf(out, outlen, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host,
	    port);
}

int
net_peer_addr(const char *peer, int *family, unsigned char addr[16])
{
	char ip[INET6_ADDRSTRLEN];
	const char *end;
	size_t n;

	if (*peer == '[') {
		peer++;
		end = strchr(peer, ']');
	} else if ((end = strrchr(peer, ':')) != NULL &&
	    strchr(peer, ':') != end)
		end = NULL; /* an IPv6 address without brackets or port */
	n = end != NULL ? (size_t)(end - peer) : strlen(peer);
	if (n >= sizeof(ip))
		return -1;
	memcpy(ip, peer, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, ip, addr) == 1)
		*family = AF_INET6;
	else
		return -1;
	return 0;
}
