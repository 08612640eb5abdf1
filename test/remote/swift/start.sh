#!/bin/bash
# Start memcached and the account, container, object and proxy servers set up by setup.sh.
# Each process's pid goes to STATE_DIR/run/*.pid for stop.sh. Waits for the healthcheck.
# usage: start.sh STATE_DIR PROXY_PORT MEMCACHED_PORT
set -euo pipefail
S=${1:?usage: $0 STATE_DIR PROXY_PORT MEMCACHED_PORT}; PROXY=${2:?}; MEMCACHED=${3:?}
S=$(cd "$S" && pwd); cd "$S/run"
memcached -u nobody -l 127.0.0.1 -p "$MEMCACHED" -U 0 -m 64 > memcached.log 2>&1 & echo $! > memcached.pid
for n in account container object proxy; do
  swift-$n-server "$S/etc/$n-server.conf" > $n.log 2>&1 & echo $! > $n.pid
done
for i in $(seq 600); do
  if curl -sf "http://127.0.0.1:$PROXY/healthcheck" >/dev/null; then echo "swift up after ~$((i * 100)) ms"; exit 0; fi
  sleep 0.1
done
echo "swift failed to start; logs in $S/run" >&2
tail -n 5 "$S"/run/*.log >&2 || true
exit 1
