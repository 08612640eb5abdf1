#!/bin/bash
# Stop what start.sh started (by recorded pid only).
S=${1:?usage: $0 STATE_DIR}
for f in "$S"/run/*.pid; do [ -f "$f" ] || continue; kill "$(cat "$f")" 2>/dev/null; rm -f "$f"; done
exit 0
