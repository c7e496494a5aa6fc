#!/usr/bin/env bats
# The conformance cases of tests/conformance.bats over TLS (wss://) for the
# categories where TLS record boundaries matter: 1 framing (up to 16 MiB),
# 5 fragmentation, 9 many and large messages, 10 frames in 1-byte writes
# (each write its own TLS record).  A throwaway CA and a server certificate
# for IP:127.0.0.1 are made with openssl per run.

load helpers
load tls_helpers

load conformance_helpers

setup_file() {
	export CPKI=$BATS_FILE_TMPDIR/pki
	mkdir -p "$CPKI"
	(
		set -e
		cd "$CPKI"
		pki_ca ca 'Conformance test CA'
		pki_leaf server ca 'IP:127.0.0.1' serverAuth
	)
}

setup() {
	WSSERVE_ARGS=(--cert "$CPKI/server.pem" --key "$CPKI/server.key")
	CONFORM_SERVER_ARGS=(--tls "$CPKI/ca.pem")
	CONFORM_CLIENT_ARGS=(--tls "$CPKI/server.pem" "$CPKI/server.key")
	WSCAT_ARGS=(--ca "$CPKI/ca.pem")
	CLIENT_SCHEME=wss
}

@test "conformance over TLS 1 framing: wsserve --echo --cert" {
	server_cases 1
	assert_equal "$SCHEME" wss
}

@test "conformance over TLS 1 framing: wscat --echo --ca" {
	client_cases 1
}

@test "conformance over TLS 5 fragmentation: wsserve --echo --cert" {
	server_cases 5
}

@test "conformance over TLS 5 fragmentation: wscat --echo --ca" {
	client_cases 5
}

@test "conformance over TLS 9 many and large messages: wsserve --echo --cert" {
	server_cases 9
}

@test "conformance over TLS 9 many and large messages: wscat --echo --ca" {
	client_cases 9
}

@test "conformance over TLS 10 frames in 1-byte writes: wsserve --echo --cert" {
	server_cases 10
}

@test "conformance over TLS 10 frames in 1-byte writes: wscat --echo --ca" {
	client_cases 10
}
