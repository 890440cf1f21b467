#!/bin/sh
# Backups of the production database (docker-compose.yml's backup service):
# a pg_dump in PostgreSQL's custom format every BACKUP_INTERVAL seconds
# (a day by default) into BACKUP_DIR, written under a temporary name and
# renamed when complete, dumps older than BACKUP_KEEP_DAYS removed.
#   docker/backup.sh --once      one dump, then exit (CI's restore test)
# The connection comes from libpq's variables (PGHOST, PGUSER, PGPASSWORD,
# PGDATABASE). Restore with docker/restore.sh.
set -eu
database=${PGDATABASE:-power}
dir=${BACKUP_DIR:-/backups}
keep=${BACKUP_KEEP_DAYS:-14}
interval=${BACKUP_INTERVAL:-86400}
mkdir -p "$dir"

once() {
    file="$dir/$database-$(date -u +%Y%m%dT%H%M%SZ).dump"
    pg_dump --format=custom --dbname="$database" --file="$file.partial"
    mv "$file.partial" "$file"
    find "$dir" -name "$database-*.dump" -mtime +"$keep" -delete
    echo "backup: $file ($(wc -c < "$file") bytes)"
}

if [ "${1:-}" = "--once" ]; then
    once
    exit
fi
while true; do
    once || echo "backup: FAILED for database $database" >&2
    sleep "$interval"
done
