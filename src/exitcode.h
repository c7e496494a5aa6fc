/*
 * The exit statuses of wscat and wsserve: the one contract both binaries,
 * both man pages and the tests share.
 */
#ifndef EXITCODE_H
#define EXITCODE_H

enum ws_exit {
	WS_EXIT_OK = 0,	       /* normal close: 1000, 1001 or no code */
	WS_EXIT_FAIL = 1,      /* other runtime failure (I/O, protocol) */
	WS_EXIT_USAGE = 2,     /* bad option, value or URL */
	WS_EXIT_CONNECT = 3,   /* DNS or TCP connect failed, or listen failed */
	WS_EXIT_TLS = 4,       /* TLS handshake, certificate or host name */
	WS_EXIT_HANDSHAKE = 5, /* non-101, bad accept key, subprotocol */
	WS_EXIT_LOST = 6,      /* connection lost without close, or timeout */
	WS_EXIT_PEER_CLOSE = 7 /* the peer closed with another code */
};

#endif
