#!/usr/bin/env bash
# deploy/compose.yaml on a Debian bookworm host that reaches Debian's mirror and PyPI but
# not Docker Hub: a Docker engine from Debian's docker.io (started here when none answers),
# a base image made with debootstrap, and deploy/compose.offline.yaml's images (PostgreSQL,
# Mosquitto and Kordon from Debian packages and PyPI). Needs root. Not part of `make test`
# (minutes, root, a container engine).
#
#   deploy/compose-offline.sh up      engine, base image, web/dist, then `compose up --build`
#                                     until the central answers /healthz
#   deploy/compose-offline.sh check   log in to the central as admin and wait until its
#                                     incident list holds incidents of edge-a and edge-b
#   deploy/compose-offline.sh down    stop and remove the containers (volumes kept) and the
#                                     engine this script started
#   deploy/compose-offline.sh purge   down, plus the volumes, images and all state of $DIR
#
# Needs: apt-get install docker.io debootstrap, and the Compose v2 plugin
# (`docker compose version`; Debian bookworm's docker-compose 1.29 rejects compose.yaml's
# top-level `name`). Environment (defaults in brackets):
#   KORDON_OFFLINE_DIR     engine state, the debootstrap tree [/tmp/kordon-compose-offline]
#   KORDON_BASE_IMAGE      the base of every image, made when missing [kordon-base:bookworm]
#   KORDON_OFFLINE_MIRROR  Debian mirror for debootstrap and the images [http://deb.debian.org/debian]
#   KORDON_OFFLINE_SECURITY  Debian security mirror [http://deb.debian.org/debian-security]
#   KORDON_OFFLINE_WAIT_S  how long `up` waits for the central, `check` for incidents [300]
# docs/edge-central.md ("Deployment").
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${KORDON_OFFLINE_DIR:-/tmp/kordon-compose-offline}"
BASE="${KORDON_BASE_IMAGE:-kordon-base:bookworm}"
MIRROR="${KORDON_OFFLINE_MIRROR:-http://deb.debian.org/debian}"
SECURITY="${KORDON_OFFLINE_SECURITY:-http://deb.debian.org/debian-security}"
WAIT_S="${KORDON_OFFLINE_WAIT_S:-300}"
ENGINE="$DIR/engine"
export KORDON_BASE_IMAGE="$BASE"

die() { echo "compose-offline: $*" >&2; exit 1; }
say() { echo "compose-offline: $*" >&2; }
[[ "$WAIT_S" =~ ^[0-9]+$ ]] || die "KORDON_OFFLINE_WAIT_S must be a number of seconds, got '$WAIT_S'"
[ "$(id -u)" = 0 ] || die "needs root (a Docker engine and debootstrap)"
command -v docker >/dev/null || die "no docker client: apt-get install docker.io"

compose() { docker compose -f "$REPO/deploy/compose.yaml" -f "$REPO/deploy/compose.offline.yaml" "$@"; }

engine_pid() {  # the dockerd this script started, when it still runs
  local pid
  pid="$(cat "$ENGINE/dockerd.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

use_engine() {  # an engine that answers: ours when it runs, else DOCKER_HOST or the default
  if engine_pid >/dev/null; then export DOCKER_HOST="unix://$ENGINE/docker.sock"; fi
  docker info >/dev/null 2>&1
}

start_engine() {
  use_engine && return 0
  command -v dockerd >/dev/null || die "no Docker engine answers and there is no dockerd: apt-get install docker.io"
  mkdir -p "$ENGINE"
  say "starting dockerd (state in $ENGINE, log $ENGINE/dockerd.log)"
  # The host's firewall and sysctls stay as they are (a default dockerd sets FORWARD to
  # DROP and adds NAT rules and docker0, which outlive it): no iptables, no docker0; the
  # builds use the host's network (compose.offline.yaml), the services need no other.
  setsid dockerd --data-root "$ENGINE/root" --exec-root "$ENGINE/exec" \
    --pidfile "$ENGINE/dockerd.pid" -H "unix://$ENGINE/docker.sock" \
    --iptables=false --ip-forward=false --bridge=none \
    >"$ENGINE/dockerd.log" 2>&1 </dev/null &
  export DOCKER_HOST="unix://$ENGINE/docker.sock"
  local deadline=$((SECONDS + 60))
  until docker info >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "dockerd did not answer in 60 s: $(tail -5 "$ENGINE/dockerd.log")"
    sleep 1
  done
}

stop_engine() {
  local pid
  pid="$(engine_pid)" || return 0
  say "stopping dockerd $pid"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || { say "dockerd $pid still running after 60 s: SIGKILL"; kill -KILL "$pid"; break; }
    sleep 1
  done
}

base_image() {  # a Debian bookworm image from debootstrap, with no registry
  docker image inspect "$BASE" >/dev/null 2>&1 && return 0
  command -v debootstrap >/dev/null || die "no image $BASE and no debootstrap: apt-get install debootstrap"
  local root="$DIR/rootfs"
  rm -rf "$root"
  say "debootstrap bookworm into $root (a minute or two)"
  debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$DIR/debootstrap.log" 2>&1 \
    || die "debootstrap failed: $(tail -5 "$DIR/debootstrap.log")"
  cat >"$root/etc/apt/sources.list" <<LIST
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY bookworm-security main
LIST
  # no service starts inside an image build (as in Debian's own container images)
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  # the host's own certificate authorities (a TLS-inspecting proxy, say): pip and apt in
  # the builds trust what the host trusts once ca-certificates is installed there
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  fi
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import -c 'CMD ["bash"]' - "$BASE" >/dev/null
  rm -rf "$root"
  say "made $BASE"
}

web_dist() {
  [ -f "$REPO/web/dist/index.html" ] && return 0
  say "building the web UI (make web)"
  make -C "$REPO" web
}

wait_central() {
  local deadline=$((SECONDS + WAIT_S))
  until [ "$(docker inspect -f '{{.State.Health.Status}}' "$(compose ps -q central)" 2>/dev/null)" = healthy ]; do
    [ "$SECONDS" -lt "$deadline" ] || { compose ps -a >&2; die "the central is not healthy after $WAIT_S s (compose logs central)"; }
    sleep 2
  done
}

check() {  # incidents of both edges at the central, told apart by each event's edge_id
  local handover
  handover="$(compose exec -T central cat /srv/kordon/central-data/initial-admin-password.txt)" \
    || die "no initial admin password at the central (already deleted?)"
  HANDOVER="$handover" python3 - "$WAIT_S" <<'PY'
import http.cookiejar
import json
import os
import sys
import time
import urllib.request

lines = dict(x.split(": ", 1) for x in os.environ["HANDOVER"].splitlines() if ": " in x)
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
base = "http://127.0.0.1:8080"


def call(path: str, body: object = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data, {"Content-Type": "application/json"})
    with opener.open(request, timeout=10) as answer:
        return json.load(answer)


call("/api/auth/login", {"username": lines["user"], "password": lines["password"]})
edge_of: dict[str, str] = {}
deadline = time.monotonic() + float(sys.argv[1])
while True:
    for incident in call("/api/incidents"):
        if incident["id"] not in edge_of:
            event = call(f"/api/events/{incident['event_ids'][0]}")
            edge_of[incident["id"]] = str(event["attributes"].get("edge_id"))
    edges = sorted(set(edge_of.values()))
    if {"edge-a", "edge-b"} <= set(edges):
        for incident_id, edge in sorted(edge_of.items(), key=lambda item: item[1]):
            print(f"{edge}  {incident_id}")
        print(f"compose-offline: the central lists {len(edge_of)} incident(s) of {edges}")
        break
    if time.monotonic() > deadline:
        sys.exit(f"compose-offline: after {sys.argv[1]} s the central lists incidents of {edges} only")
    time.sleep(3)
PY
}

case "${1:-up}" in
  up)
    mkdir -p "$DIR"
    docker compose version >/dev/null 2>&1 || die "needs the Compose v2 plugin (docker compose version)"
    start_engine
    base_image
    web_dist
    compose up -d --build
    wait_central
    compose ps -a
    say "up: the central on http://localhost:8080, outposts on :8081 and :8082"
    ;;
  check)
    use_engine || die "no Docker engine answers (run: $0 up)"
    check
    ;;
  down)
    if use_engine; then compose down; fi
    stop_engine
    ;;
  purge)
    if use_engine; then
      compose down -v --rmi all
      if [ "$BASE" = kordon-base:bookworm ]; then docker image rm "$BASE" >/dev/null 2>&1 || true; fi
    fi
    stop_engine
    rm -rf "$DIR"
    ;;
  *) die "usage: $0 [up|check|down|purge]" ;;
esac
