#!/bin/sh
# Entrypoint of deploy/images/postgres.Dockerfile: on the first start, a cluster in
# $PGDATA with the superuser $POSTGRES_USER and the database $POSTGRES_DB; then the
# server in the foreground as the postgres user, listening on every address.
set -eu

die() { echo "postgres-entrypoint: $*" >&2; exit 1; }

if [ "${1:-postgres}" != postgres ]; then exec "$@"; fi
if [ $# -gt 0 ]; then shift; fi  # the rest: options for postgres (-c name=value)

user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
method="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
password="${POSTGRES_PASSWORD:-}"
if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
  [ -r "$POSTGRES_PASSWORD_FILE" ] || die "POSTGRES_PASSWORD_FILE $POSTGRES_PASSWORD_FILE is not readable"
  password="$(cat "$POSTGRES_PASSWORD_FILE")"
fi
case "$user$db" in
  *[!A-Za-z0-9_-]*) die "POSTGRES_USER and POSTGRES_DB may hold only letters, digits, _ and -" ;;
esac
if [ "$method" != trust ] && [ -z "$password" ]; then
  die "set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE, or POSTGRES_HOST_AUTH_METHOD=trust (demo only)"
fi

as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
else
  as_postgres() { "$@"; }
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "postgres-entrypoint: new cluster in $PGDATA (superuser $user, database $db)"
  pwfile=""
  if [ -n "$password" ]; then
    pwfile="$(mktemp)"
    printf '%s\n' "$password" > "$pwfile"
    chown postgres "$pwfile"
  fi
  as_postgres initdb -D "$PGDATA" -U "$user" --auth-local=trust --auth-host="$method" \
    --encoding=UTF8 ${pwfile:+--pwfile="$pwfile"} >/dev/null
  [ -z "$pwfile" ] || rm -f "$pwfile"
  printf '\nhost all all all %s\n' "$method" >> "$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\" OWNER \"$user\";" \
      | as_postgres postgres --single -D "$PGDATA" -c listen_addresses='' postgres >/dev/null
  fi
fi

if [ "$(id -u)" = 0 ]; then
  exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" \
    -c listen_addresses='*' "$@"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
