#!/bin/sh
# Contender: nginx, the native ceiling. One worker, sendfile on, attachment header.
# usage: servers/nginx.sh <filesDir> <port>; writes its config to a temporary prefix and runs in the foreground.
# Only /files/ and /cleanup/ exist: nginx has no Buffer, stream or cleanup source (those cells are n/a).
set -eu
FILES_DIR=${FILES_DIR:-$1}
PORT=${PORT:-$2}
PREFIX=$(mktemp -d /tmp/bench-nginx.XXXXXX)
mkdir -p "$PREFIX/logs"
cat > "$PREFIX/nginx.conf" <<CONF
worker_processes 1;
pid $PREFIX/nginx.pid;
error_log $PREFIX/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 65;
  default_type application/octet-stream;
  types { }
  client_body_temp_path $PREFIX/body;
  proxy_temp_path $PREFIX/proxy;
  fastcgi_temp_path $PREFIX/fastcgi;
  uwsgi_temp_path $PREFIX/uwsgi;
  scgi_temp_path $PREFIX/scgi;
  server {
    listen 127.0.0.1:$PORT;
    location /files/ {
      alias $FILES_DIR/;
      add_header Content-Disposition attachment;
    }
  }
}
CONF
echo "ready nginx $PORT"
exec nginx -p "$PREFIX" -c "$PREFIX/nginx.conf" -g 'daemon off;'
