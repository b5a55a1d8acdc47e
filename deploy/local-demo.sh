#!/usr/bin/env bash
# The Compose topology without containers (`make central-demo`): PostgreSQL and Mosquitto
# from Debian's packages (started when installed and stopped), one central server and two
# outposts as local processes. Ctrl-C stops everything this script started.
#
#   deploy/local-demo.sh            # state in ${KORDON_DEMO_DIR:-/tmp/kordon-central-demo}
#
# Ports: central UI 8080, outposts 8081 and 8082, the demo's own Mosquitto 1884.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${KORDON_DEMO_DIR:-/tmp/kordon-central-demo}"
if [ -x "$REPO/.venv/bin/kordon" ]; then KORDON=("$REPO/.venv/bin/kordon")
else KORDON=(env "PYTHONPATH=$REPO/src" "$REPO/.venv/bin/python" -c \
  "from kordon.cli.main import main; main()"); fi
PG_URL="${KORDON_DEMO_POSTGRES:-postgresql+psycopg://postgres@127.0.0.1:5432/kordon_central}"
MQTT_PORT="${KORDON_DEMO_MQTT_PORT:-1884}"
mkdir -p "$DIR"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait || true; }
trap cleanup EXIT INT TERM

command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] \
  || { echo "needs Debian's mosquitto (apt-get install mosquitto)"; exit 1; }
MOSQUITTO="$(command -v mosquitto || echo /usr/sbin/mosquitto)"
if ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
  command -v service >/dev/null && service postgresql start \
    || { echo "needs PostgreSQL on 127.0.0.1:5432 (apt-get install postgresql)"; exit 1; }
fi
psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='kordon_central'" \
  | grep -q 1 || createdb -h 127.0.0.1 -U postgres kordon_central

# The deploy files with this machine's paths and ports instead of the containers'.
localise() {
  sed -e "s|/srv/kordon/volyn|$REPO/examples/volyn|g" -e "s|/srv/kordon/mqtt|$DIR/mqtt|g" \
      -e "s|host: mosquitto|host: 127.0.0.1|" -e "s|port: 1883|port: $MQTT_PORT|" "$@"
}
mkdir -p "$DIR/central" "$DIR/edge-a" "$DIR/edge-b"
localise "$REPO/deploy/central/map.yaml" > "$DIR/central/map.yaml"
localise "$REPO/deploy/central/central.yaml" \
  | sed -e "s|^database_url: .*|database_url: $PG_URL|" \
        -e "s|/srv/kordon/central-data|$DIR/central/data|" \
        -e "s|host: 0.0.0.0|host: 127.0.0.1|" > "$DIR/central/central.yaml"
for edge in edge-a edge-b; do
  port=$([ "$edge" = edge-a ] && echo 8081 || echo 8082)
  localise "$REPO/deploy/$edge/site.yaml" \
    | sed -e "s|/srv/kordon/data|$DIR/$edge/data|" \
          -e "s|api: {host: 0.0.0.0, port: 8080|api: {host: 127.0.0.1, port: $port|" \
    > "$DIR/$edge/site.yaml"
done

"${KORDON[@]}" central-credentials "$DIR/central/central.yaml" --out "$DIR/mqtt"
cat > "$DIR/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous false
password_file $DIR/mqtt/local/passwd
acl_file $DIR/mqtt/local/acl
persistence true
persistence_location $DIR/
max_queued_messages 100000
user $(id -un)
CONF
"$MOSQUITTO" -c "$DIR/mosquitto.conf" & pids+=($!)
"${KORDON[@]}" central "$DIR/central/central.yaml" & pids+=($!)
"${KORDON[@]}" run "$DIR/edge-a/site.yaml" & pids+=($!)
"${KORDON[@]}" run "$DIR/edge-b/site.yaml" & pids+=($!)
echo "central UI: http://127.0.0.1:8080 (admin password: $DIR/central/data/initial-admin-password.txt)"
echo "outposts: http://127.0.0.1:8081 and http://127.0.0.1:8082; Ctrl-C stops all"
wait -n
