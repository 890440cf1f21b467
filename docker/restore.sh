#!/bin/sh
# Restore a dump of docker/backup.sh into a new database:
#   docker/restore.sh /backups/power-20261207T000000Z.dump power_restored
# The target must not exist (a restore never overwrites a live database);
# point trytond at it once checked (TRYTOND_DATABASE_NAMES, -d).
set -eu
if [ $# -ne 2 ]; then
    echo "usage: $0 DUMP_FILE NEW_DATABASE" >&2
    exit 2
fi
dump=$1
target=$2
case "$target" in
    ""|*[!a-z0-9_]*)
        echo "restore: a database name of a-z, 0-9 and _ only: $target" >&2
        exit 2 ;;
esac
if [ ! -s "$dump" ]; then
    echo "restore: $dump is missing or empty" >&2
    exit 1
fi
if psql --dbname=postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$target'" | grep -q 1; then
    echo "restore: database $target exists; choose a new name" >&2
    exit 1
fi
createdb "$target"
pg_restore --no-owner --exit-on-error --dbname="$target" "$dump"
echo "restore: $dump restored into $target"
