#!/usr/bin/env bats
# wscat against a python3-websockets server, and python3-websockets
# clients against wsserve (tests/peers/py_server.py, py_client.py).  The
# tests shared with tests/interop_node.bats are in interop_common.bash.

load helpers
PEER_SERVER=("$PY" "$PEERS/py_server.py")
PEER_CLIENT=("$PY" "$PEERS/py_client.py")
load interop_common

# --- wscat and a python server ---------------------------------------

@test "wscat prints each line a python server echoes, exactly" {
	interop_wscat_prints_echoed_lines
}

@test "wscat prints a binary message from a python server byte for byte" {
	interop_wscat_prints_binary
}

@test "wscat sends and receives a 1 MiB text message through a python server" {
	interop_wscat_echoes_1mib
}

@test "wscat exits 7 and prints code and reason when a python server closes with 4000" {
	interop_wscat_exits_7_on_close_4000
}

@test "wscat exits 0 when a python server closes with 1000" {
	interop_wscat_exits_0_on_close_1000
}

@test "wscat -s chat talks to a python server that selects chat" {
	interop_wscat_gets_its_subprotocol
}

@test "wscat exits 5 when a python server selects none of its subprotocols" {
	interop_wscat_exits_5_without_subprotocol
}

@test "wscat sends -H, -o, -s and --auth headers that a python server receives" {
	interop_wscat_sends_headers
}

@test "wscat -1 waits for a reply a python server delays by 1 s" {
	interop_wscat_waits_for_delayed_reply
}

# --- a python client and wsserve -------------------------------------

@test "wsserve prints text and binary messages from a python client exactly" {
	interop_wsserve_prints_client_messages
}

@test "a python client receives the lines wsserve reads from stdin" {
	interop_client_receives_stdin_lines
}

@test "an invalid UTF-8 stdin line reaches a python client as binary with a warning" {
	interop_client_gets_invalid_utf8_as_binary
}

@test "wsserve --echo returns text and binary messages unchanged to a python client" {
	interop_wsserve_echoes_to_client
}

@test "wsserve --subprotocol selects the first protocol a python client offers that it knows" {
	interop_wsserve_selects_first_known_subprotocol
}

@test "wsserve selects no subprotocol for a python client offering none it knows, which python accepts" {
	start_wsserve --subprotocol chat
	# RFC 6455 lets the server select none; python3-websockets goes on
	# (node's ws fails the connection instead).
	run -0 --separate-stderr client_peer "$URL" -s other -t hi
	assert_output $'open\nsubprotocol none\nclose 1000 '
	wait_for_line "$SERVER_OUT" hi
}

@test "wsserve closes with 1009 on a message over --max-message from a python client" {
	interop_wsserve_closes_1009_on_big_message
}

@test "wsserve logs disconnected (1000) when a python client closes with 1000" {
	interop_wsserve_logs_close_1000
}

@test "wsserve logs the code and reason a python client closes with" {
	interop_wsserve_logs_close_code_and_reason
}

@test "three python clients at once all receive a line wsserve broadcasts" {
	interop_three_clients_get_broadcast
}
