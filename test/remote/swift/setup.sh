#!/bin/bash
# One Swift node with the s3api middleware, from Debian's packages, for the remote tests.
# Adapted from ../shared/recipes/swift-s3: every port is chosen by the caller (free ports, so
# several test runs can share a machine), everything binds to 127.0.0.1 and lives in STATE_DIR.
# usage: setup.sh STATE_DIR PROXY_PORT OBJECT_PORT CONTAINER_PORT ACCOUNT_PORT MEMCACHED_PORT
set -euo pipefail
S=${1:?usage: $0 STATE_DIR PROXY OBJECT CONTAINER ACCOUNT MEMCACHED}
PROXY=${2:?}; OBJECT=${3:?}; CONTAINER=${4:?}; ACCOUNT=${5:?}; MEMCACHED=${6:?}
mkdir -p "$S"; S=$(cd "$S" && pwd); mkdir -p "$S/etc" "$S/srv/d1" "$S/run"; cd "$S/etc"
for kind in account:$ACCOUNT container:$CONTAINER object:$OBJECT; do
  n=${kind%%:*}; p=${kind##*:}
  cat > "$n-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $p
devices = $S/srv
mount_check = false
swift_dir = $S/etc
workers = 0
log_level = WARNING
[pipeline:main]
pipeline = $n-server
[app:$n-server]
use = egg:swift#$n
CONF
  swift-ring-builder "$n.builder" create 8 1 1 >/dev/null
  swift-ring-builder "$n.builder" add "r1z1-127.0.0.1:$p/d1" 100 >/dev/null
  swift-ring-builder "$n.builder" rebalance >/dev/null || true
done
cat > proxy-server.conf <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PROXY
swift_dir = $S/etc
workers = 0
log_level = WARNING
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MEMCACHED
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
CONF
