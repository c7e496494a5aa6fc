#!/bin/sh
# nginx_conf.sh DIR PORT UPSTREAM-PORT...: writes DIR/nginx.conf, the
# recipe's deploy/nginx.conf for a run on loopback: one worker listening on
# 127.0.0.1:PORT, the upstream the wsserve instances on 127.0.0.1 at the
# UPSTREAM-PORTs, logs and temporary files in DIR.  Exits 1, with the file
# on stderr, when the template no longer takes these replacements.
# Used by tests/cluster.bats and bench/cluster; run nginx with
#   nginx -e DIR/error.log -p DIR/ -c DIR/nginx.conf \
#       -g "daemon off; pid DIR/nginx.pid;"

[ $# -ge 3 ] || {
	echo "usage: nginx_conf.sh DIR PORT UPSTREAM-PORT..." >&2
	exit 2
}
dir=$1
port=$2
shift 2
template=$(dirname "$0")/../../deploy/nginx.conf
conf=$dir/nginx.conf
servers=
for p; do
	servers="${servers}server 127.0.0.1:$p max_fails=1 fail_timeout=5s; "
done
mkdir -p "$dir/tmp" || exit 1
sed -e 's|^worker_processes auto;$|worker_processes 1;|' \
	-e '/^worker_rlimit_nofile /d' \
	-e "s|^error_log /var/log/nginx/wsserve\\.error\\.log;\$|error_log $dir/error.log;|" \
	-e "s|access_log /var/log/nginx/wsserve\\.access\\.log;\$|access_log $dir/access.log; client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy; fastcgi_temp_path $dir/tmp/fastcgi; uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;|" \
	-e 's|worker_connections 16384;$|worker_connections 1024;|' \
	-e "s|^\\([[:space:]]*\\)listen 80;\$|\\1listen 127.0.0.1:$port;|" \
	-e "s|^\\([[:space:]]*\\)server 127\\.0\\.0\\.1:15681 .*|\\1$servers|" \
	-e '/server 127\.0\.0\.1:15682 /d' \
	"$template" >"$conf" || exit 1
# Each replacement took, and nothing of the template's is left over.
if ! grep -q '^worker_processes 1;$' "$conf" ||
	! grep -q "listen 127.0.0.1:$port;" "$conf" ||
	! grep -q "^error_log $dir/error.log;" "$conf" ||
	! grep -q "access_log $dir/access.log;" "$conf" ||
	! grep -q "server 127.0.0.1:$1 " "$conf" ||
	grep -q -e /var/log -e 15681 -e 15682 -e 'listen 80;' "$conf"; then
	echo "nginx_conf.sh: deploy/nginx.conf no longer takes these replacements:" >&2
	cat "$conf" >&2
	exit 1
fi
