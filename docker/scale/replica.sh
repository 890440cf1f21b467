#!/bin/bash
# The hot-standby replica: copy the primary once (pg_basebackup, with the
# standby configuration -R), then follow its WAL stream.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_basebackup -h postgres -U replicator -D "$PGDATA" -R -X stream \
            -S replica1 -P; do
        echo "waiting for the primary"; rm -rf "${PGDATA:?}"/*; sleep 2
    done
    chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on \
    -c max_standby_streaming_delay=60s
