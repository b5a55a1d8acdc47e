#!/usr/bin/env bash
# The Compose topology without containers (`make central-demo`): PostgreSQL and Mosquitto
# from Debian's packages (PostgreSQL started when installed and stopped), one central
# server and two outposts with a simulated border camera each, as local processes.
# SIGTERM or Ctrl-C (SIGINT) stops every process this script started (TERM, then KILL
# after KORDON_DEMO_STOP_S seconds), and so does the exit of any one of them.
#
#   deploy/local-demo.sh
#
# Environment (defaults in brackets):
#   KORDON_DEMO_DIR           state: generated files, databases, logs [/tmp/kordon-central-demo]
#   KORDON_DEMO_POSTGRES      the centre's database, created when missing
#                             [postgresql+psycopg://postgres@127.0.0.1:5432/kordon_central]
#   KORDON_DEMO_MQTT_PORT     the demo's own Mosquitto on 127.0.0.1 [1884]
#   KORDON_DEMO_CENTRAL_PORT  the central UI [8080]
#   KORDON_DEMO_EDGE_A_PORT   outpost A's UI [8081]
#   KORDON_DEMO_EDGE_B_PORT   outpost B's UI [8082]
#   KORDON_DEMO_STOP_S        how long the processes get to stop before SIGKILL [20]
# docs/edge-central.md ("make central-demo"); tests/central/test_local_topology.py runs it.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${KORDON_DEMO_DIR:-/tmp/kordon-central-demo}"
PG_URL="${KORDON_DEMO_POSTGRES:-postgresql+psycopg://postgres@127.0.0.1:5432/kordon_central}"
MQTT_PORT="${KORDON_DEMO_MQTT_PORT:-1884}"
CENTRAL_PORT="${KORDON_DEMO_CENTRAL_PORT:-8080}"
EDGE_A_PORT="${KORDON_DEMO_EDGE_A_PORT:-8081}"
EDGE_B_PORT="${KORDON_DEMO_EDGE_B_PORT:-8082}"
STOP_S="${KORDON_DEMO_STOP_S:-20}"

die() { echo "local-demo: $*" >&2; exit 1; }
for value in "$MQTT_PORT" "$CENTRAL_PORT" "$EDGE_A_PORT" "$EDGE_B_PORT" "$STOP_S"; do
  [[ "$value" =~ ^[0-9]+$ ]] || die "ports and KORDON_DEMO_STOP_S must be numbers, got '$value'"
done

PY="$REPO/.venv/bin/python"
[ -x "$PY" ] || die "no virtualenv at $REPO/.venv: run make venv first"
if [ -x "$REPO/.venv/bin/kordon" ]; then KORDON=("$REPO/.venv/bin/kordon")
else KORDON=(env "PYTHONPATH=$REPO/src" "$PY" -c "from kordon.cli.main import main; main()"); fi
MOSQUITTO="$(command -v mosquitto || true)"
[ -n "$MOSQUITTO" ] || { [ -x /usr/sbin/mosquitto ] && MOSQUITTO=/usr/sbin/mosquitto; } \
  || die "needs Debian's mosquitto (apt-get install mosquitto)"

# --- stopping: every process started here, whatever ends the script --------------------
pids=()
alive() {  # a child that has not exited (a zombie waiting to be reaped has)
  local state
  state="$(sed -e 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ "$state" != Z ]
}
cleanup() {
  trap - EXIT
  trap '' INT TERM  # a second Ctrl-C does not cut the orderly stop short (KILL follows anyway)
  [ ${#pids[@]} -gt 0 ] || return 0
  echo "local-demo: stopping ${#pids[@]} process(es)" >&2
  kill -TERM "${pids[@]}" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_S)) pid
  for pid in "${pids[@]}"; do
    while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    if alive "$pid"; then
      echo "local-demo: process $pid still running after ${STOP_S} s: SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# --- PostgreSQL: reachable (started when it is a local cluster), the database there ----
pg() {  # pg where | pg ensure: host and port of the URL, or create its database if missing
  "$PY" - "$PG_URL" "$1" <<'PY'
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

url = make_url(sys.argv[1])
if not url.drivername.startswith("postgresql") or not url.database:
    sys.exit(f"KORDON_DEMO_POSTGRES must be a postgresql URL naming a database: {sys.argv[1]}")
if sys.argv[2] == "where":
    print(url.host or "127.0.0.1", url.port or 5432)
    sys.exit(0)
admin = create_engine(
    url.set(database="postgres", query={}),
    isolation_level="AUTOCOMMIT",
    connect_args={"connect_timeout": 3},
)
try:
    with admin.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        ).first()
        if found is None:
            quoted = connection.dialect.identifier_preparer.quote_identifier(url.database)
            connection.execute(text(f"CREATE DATABASE {quoted}"))
            print(f"local-demo: created database {url.database}", file=sys.stderr)
except SQLAlchemyError as exc:
    print(f"local-demo: PostgreSQL: {str(exc).splitlines()[0]}", file=sys.stderr)
    sys.exit(3)
finally:
    admin.dispose()
PY
}
read -r PG_HOST PG_PORT < <(pg where)
if ! pg ensure 2>/dev/null; then
  case "$PG_HOST" in
    127.0.0.1 | localhost | ::1)
      if command -v pg_lsclusters >/dev/null; then
        while read -r version cluster port status _; do
          if [ "$port" = "$PG_PORT" ] && [ "$status" = down ]; then
            echo "local-demo: starting PostgreSQL $version/$cluster" >&2
            pg_ctlcluster "$version" "$cluster" start
          fi
        done < <(pg_lsclusters --no-header)
      fi
      ;;
  esac
  pg ensure || die "needs PostgreSQL at $PG_HOST:$PG_PORT (apt-get install postgresql)"
fi

# --- the deploy files with this machine's paths and ports instead of the containers' ----
mkdir -p "$DIR/central" "$DIR/edge-a" "$DIR/edge-b" "$DIR/mosquitto"
"$PY" - "$REPO" "$DIR" "$PG_URL" "$MQTT_PORT" "$CENTRAL_PORT" "$EDGE_A_PORT" "$EDGE_B_PORT" <<'PY'
import sys
from pathlib import Path
from typing import Any

import yaml

repo, out = Path(sys.argv[1]), Path(sys.argv[2])
pg_url, mqtt_port = sys.argv[3], int(sys.argv[4])
ports = {"central": int(sys.argv[5]), "edge-a": int(sys.argv[6]), "edge-b": int(sys.argv[7])}


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((repo / "deploy" / name).read_text("utf-8"))
    return document


def localise_site(document: dict[str, Any], data_dir: Path) -> None:
    document["site"]["data_dir"] = str(data_dir)
    for border in document.get("borders", []):
        name = Path(border["geometry_file"]).name
        border["geometry_file"] = str(repo / "examples" / "volyn" / name)


def write(document: dict[str, Any], path: Path) -> None:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


site_map = load("central/map.yaml")
localise_site(site_map, out / "central" / "map-data")
write(site_map, out / "central" / "map.yaml")
central = load("central/central.yaml")
central["database_url"] = pg_url
central["data_dir"] = str(out / "central" / "data")
central["api"].update(host="127.0.0.1", port=ports["central"])
for broker in central["brokers"]:
    broker.update(
        host="127.0.0.1", port=mqtt_port, password_file=str(out / "mqtt" / "central.password")
    )
write(central, out / "central" / "central.yaml")
for edge in ("edge-a", "edge-b"):
    site = load(f"{edge}/site.yaml")
    localise_site(site, out / edge / "data")
    site["edge"].update(
        host="127.0.0.1",
        port=mqtt_port,
        password_file=str(out / "mqtt" / "edges" / f"{edge}.password"),
    )
    site["api"].update(host="127.0.0.1", port=ports[edge])
    write(site, out / edge / "site.yaml")
PY

"${KORDON[@]}" central-credentials "$DIR/central/central.yaml" --out "$DIR/mqtt"
cat > "$DIR/mosquitto/mosquitto.conf" <<CONF
per_listener_settings false
allow_anonymous false
password_file $DIR/mqtt/local/passwd
acl_file $DIR/mqtt/local/acl
persistence true
persistence_location $DIR/mosquitto/
max_queued_messages 100000
message_size_limit 4194304
user $(id -un)
listener $MQTT_PORT 127.0.0.1
log_dest stdout
log_type error
log_type warning
log_type notice
CONF

"$MOSQUITTO" -c "$DIR/mosquitto/mosquitto.conf" & pids+=($!)
# the broker first, so that nobody starts on a refused connection and its back-off
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null && break
  alive "${pids[0]}" || die "mosquitto exited (port $MQTT_PORT taken?)"
  sleep 0.1
done
"${KORDON[@]}" central "$DIR/central/central.yaml" & pids+=($!)
"${KORDON[@]}" run "$DIR/edge-a/site.yaml" & pids+=($!)
"${KORDON[@]}" run "$DIR/edge-b/site.yaml" & pids+=($!)
echo "central UI: http://127.0.0.1:$CENTRAL_PORT (user admin, password in $DIR/central/data/initial-admin-password.txt)"
echo "outposts: http://127.0.0.1:$EDGE_A_PORT and http://127.0.0.1:$EDGE_B_PORT; Ctrl-C stops all"
# Until one of them exits (then the others are stopped too) or a signal comes.
status=0
wait -n || status=$?
echo "local-demo: a process exited (status $status): stopping the others" >&2
exit "$status"
