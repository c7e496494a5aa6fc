# TLS set-up for tests/tls.bats: a throwaway PKI made with the openssl
# command, wsserve started with --cert (its ready line says wss://), and
# a python3-websockets TLS server.  Load after helpers.
# shellcheck shell=bash

# make_pki DIR: creates in DIR (EC P-256 keys, PEM):
#   ca.pem/.key           "Test CA"
#   other.pem/.key        "Other CA", unrelated to ca
#   server.pem/.key       signed by ca; DNS:localhost, IP:127.0.0.1, IP:::1
#   server.enc.key        server.key encrypted (-aes256, pass "secret")
#   wronghost.pem/.key    signed by ca; SAN DNS:other.example only
#   expired.pem/.key      signed by ca; SAN as server; valid only in 2020
#   selfsigned.pem/.key   a self-signed leaf; SAN as server
#   client.pem/.key       client certificate signed by ca
#   client.enc.key        client.key encrypted (-aes256, pass "secret")
#   client.both.pem       client.pem followed by client.key (one file)
#   otherclient.pem/.key  client certificate signed by other
#   hashdir/              ca.pem as a hashed directory (SSL_CERT_DIR)
make_pki() {
	local d=$1 san='DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1'
	mkdir -p "$d" && (
		set -e
		cd "$d"
		pki_ca ca 'Test CA'
		pki_ca other 'Other CA'
		pki_leaf server ca "$san" serverAuth
		pki_leaf wronghost ca DNS:other.example serverAuth
		pki_leaf client ca '' clientAuth
		pki_leaf otherclient other '' clientAuth
		pki_quiet openssl pkey -in client.key -aes256 \
			-passout pass:secret -out client.enc.key
		pki_quiet openssl pkey -in server.key -aes256 \
			-passout pass:secret -out server.enc.key
		cat client.pem client.key >client.both.pem
		pki_key selfsigned
		pki_quiet openssl req -x509 -new -key selfsigned.key \
			-out selfsigned.pem -days 2 -subj /CN=selfsigned \
			-addext basicConstraints=critical,CA:FALSE \
			-addext "subjectAltName=$san"
		pki_expired expired ca "$san"
		mkdir hashdir
		cp ca.pem hashdir/
		pki_quiet openssl rehash hashdir
	)
}

# pki_quiet CMD...: runs CMD silently; on failure shows its output.
pki_quiet() {
	local out
	out=$("$@" 2>&1) || {
		echo "failed: $*" >&2
		echo "$out" >&2
		return 1
	}
}

pki_key() {
	pki_quiet openssl genpkey -algorithm EC \
		-pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
}

# pki_ca NAME CN
pki_ca() {
	pki_key "$1"
	pki_quiet openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 2 \
		-subj "/CN=$2" -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign
}

# pki_leaf NAME CA SAN EXTENDED-KEY-USAGE: SAN may be empty.
pki_leaf() {
	local n=$1 ca=$2 san=$3 eku=$4
	pki_key "$n"
	pki_quiet openssl req -new -key "$n.key" -out "$n.csr" -subj "/CN=$n"
	{
		echo 'basicConstraints = critical,CA:FALSE'
		echo 'keyUsage = critical,digitalSignature'
		echo "extendedKeyUsage = $eku"
		[ -z "$san" ] || echo "subjectAltName = $san"
	} >"$n.ext"
	pki_quiet openssl x509 -req -in "$n.csr" -CA "$ca.pem" \
		-CAkey "$ca.key" -CAcreateserial -days 2 -extfile "$n.ext" \
		-out "$n.pem"
}

# pki_expired NAME CA SAN: a server certificate valid only on 1 Jan 2020.
# OpenSSL 3.0's x509 and req cannot back-date, so this uses `openssl ca`
# with a minimal configuration and -startdate/-enddate.
pki_expired() {
	local n=$1 ca=$2 san=$3 db=$PWD/$1.db
	pki_key "$n"
	pki_quiet openssl req -new -key "$n.key" -out "$n.csr" -subj "/CN=$n"
	mkdir "$db"
	: >"$db/index.txt"
	echo 01 >"$db/serial"
	cat >"$db/ca.cnf" <<-EOF
		[ca]
		default_ca = expired_ca
		[expired_ca]
		database = $db/index.txt
		serial = $db/serial
		new_certs_dir = $db
		certificate = $PWD/$ca.pem
		private_key = $PWD/$ca.key
		default_md = sha256
		policy = expired_policy
		unique_subject = no
		x509_extensions = expired_ext
		[expired_policy]
		commonName = supplied
		[expired_ext]
		basicConstraints = critical,CA:FALSE
		keyUsage = critical,digitalSignature
		extendedKeyUsage = serverAuth
		subjectAltName = $san
	EOF
	pki_quiet openssl ca -batch -config "$db/ca.cnf" -in "$n.csr" \
		-out "$n.pem" -notext -startdate 20200101000000Z \
		-enddate 20200102000000Z
}

# start_wsserve_tls [ARGS...]: start_wsserve for a server whose ready line
# may say wss:// (pass --cert and --key in ARGS).  Sets the same variables,
# plus SCHEME (ws or wss); URL is SCHEME://127.0.0.1:PORT/ and HOST_URL
# SCHEME://localhost:PORT/.
# shellcheck disable=SC2034 # HOST_URL: for the suites
start_wsserve_tls() {
	start_wsserve "$@"
	HOST_URL=$SCHEME://localhost:$PORT/
}

# start_wss ARGS...: wsserve serving the good server certificate.
start_wss() {
	start_wsserve_tls --cert "$PKI/server.pem" --key "$PKI/server.key" "$@"
}

# start_py_tls_server [PY-SERVER-ARGS...]: tests/peers/py_server.py in the
# background (pass --cert/--key for TLS); sets PEER_PID and PY_PORT.
# shellcheck disable=SC2034 # PY_PORT: for the suites
start_py_tls_server() {
	start_peer py_server 60 "$PY" "$PEERS/py_server.py" "$@" || return
	PY_PORT=$PEER_PORT
}

# count_in_log TEXT: lines of SERVER_ERR containing TEXT.
count_in_log() {
	grep -cF -- "$1" "$SERVER_ERR" || true
}

# upgrade_request [HOST]: an HTTP upgrade request head (CRLF), sent by hand.
upgrade_request() {
	printf '%s\r\n' "GET / HTTP/1.1" "Host: ${1:-127.0.0.1}" \
		'Upgrade: websocket' 'Connection: Upgrade' \
		'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
		'Sec-WebSocket-Version: 13' ''
}
