#!/usr/bin/env bats
# RFC 6455 conformance at the byte level, in the spirit of the Autobahn
# TestSuite categories 1-7, 9 and 10.  tests/peers/conform.py plays the
# peer with raw sockets: the client of wsserve --echo (server role) and the
# server of wscat --echo (client role).  It checks every frame the tool
# sends, the close code, who closes TCP first, and, for wscat, prints the
# exit statuses its contract allows.  One @test per category and role; a
# failure names each failing case and what differed (hex of what came).
#
# One case by hand:  conform.py server PORT 7.code-1012
#                    conform.py client 7.code-1012   (then wscat --echo)

load helpers
load conformance_helpers

@test "conformance 1 framing (lengths, encodings, masking): wsserve --echo" {
	server_cases 1
}

@test "conformance 1 framing (lengths, encodings, masking): wscat --echo" {
	client_cases 1
}

@test "conformance 2 ping/pong: wsserve --echo" {
	server_cases 2
}

@test "conformance 2 ping/pong: wscat --echo" {
	client_cases 2
}

@test "conformance 3 reserved bits: wsserve --echo" {
	server_cases 3
}

@test "conformance 3 reserved bits: wscat --echo" {
	client_cases 3
}

@test "conformance 4 reserved opcodes: wsserve --echo" {
	server_cases 4
}

@test "conformance 4 reserved opcodes: wscat --echo" {
	client_cases 4
}

@test "conformance 5 fragmentation: wsserve --echo" {
	server_cases 5
}

@test "conformance 5 fragmentation: wscat --echo" {
	client_cases 5
}

@test "conformance 6 UTF-8: wsserve --echo" {
	server_cases 6
}

@test "conformance 6 UTF-8: wscat --echo" {
	client_cases 6
}

@test "conformance 7 close handshake and codes: wsserve --echo" {
	server_cases 7
}

@test "conformance 7 close handshake and codes: wscat --echo" {
	client_cases 7
}

@test "conformance 9 many and large messages: wsserve --echo" {
	server_cases 9
}

@test "conformance 9 many and large messages: wscat --echo" {
	client_cases 9
}

@test "conformance 10 frames in 1-byte writes: wsserve --echo" {
	server_cases 10
}

@test "conformance 10 frames in 1-byte writes: wscat --echo" {
	client_cases 10
}
