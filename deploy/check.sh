#!/usr/bin/env bash
# `make deploy-check`: run docker-compose.yml for real on this machine and check
# what a program's IT lead would (deploy/check.py says what). Sets up what that
# needs first: Docker's engine and docker-compose from Debian, a running dockerd,
# a Debian base image made by debootstrap (no image can be pulled here), and the
# stand-ins for the official images built FROM it.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need_apt=()
command -v dockerd >/dev/null || need_apt+=(docker.io)
command -v debootstrap >/dev/null || need_apt+=(debootstrap)
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then
  need_apt+=(docker-compose)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "deploy: installing ${need_apt[*]}"
  as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need_apt[@]}" >/dev/null
fi

started_dockerd=
scratch=$(mktemp -d)
cleanup() {
  rm -rf "$scratch"
  # A dockerd this script started stops with it (the check has taken its stack down).
  if [ -n "$started_dockerd" ]; then
    kill "$started_dockerd" 2>/dev/null || true
    wait "$started_dockerd" 2>/dev/null || true
  fi
}
trap cleanup EXIT
if ! docker info >/dev/null 2>&1; then
  echo "deploy: starting dockerd (log in /var/log/clinic-dockerd.log)"
  [ "$(id -u)" = 0 ] || { echo "deploy: dockerd is not running; start it (or run this as root)"; exit 1; }
  setsid dockerd >/var/log/clinic-dockerd.log 2>&1 &
  started_dockerd=$!
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 /var/log/clinic-dockerd.log; exit 1; }
fi

base=clinic-local/debian:bookworm
deploy/base-image.sh "$base"

# The official images' stand-ins (a second run finds every layer cached).
build() {
  local tag=$1 context=$2; shift 2
  echo "deploy: docker build $tag"
  docker build --tag "$tag" "$@" "$context" >"$scratch/build.log" 2>&1 \
    || { tail -40 "$scratch/build.log"; exit 1; }
}
# The python stand-in trusts what this machine trusts beyond Debian's own
# authorities (a TLS-inspecting egress proxy's, say), for pip inside the builds.
mkdir -p "$scratch/python/extra-ca"
cp deploy/images/python/Dockerfile "$scratch/python/"
find /usr/local/share/ca-certificates -name '*.crt' -exec cp {} "$scratch/python/extra-ca/" \; 2>/dev/null || true
build clinic-local/python:3.11-bookworm "$scratch/python" --build-arg BASE_IMAGE="$base"
build clinic-local/postgres:15-bookworm deploy/images/postgres --build-arg BASE_IMAGE="$base"
build clinic-local/redis:7-bookworm deploy/images/redis --build-arg BASE_IMAGE="$base"
build clinic-local/nginx:bookworm deploy/images/nginx --build-arg BASE_IMAGE="$base"
build clinic-local/mailcatcher:latest deploy/mailcatcher --build-arg PYTHON_IMAGE=clinic-local/python:3.11-bookworm

export PYTHON_IMAGE=clinic-local/python:3.11-bookworm
export POSTGRES_IMAGE=clinic-local/postgres:15-bookworm
export REDIS_IMAGE=clinic-local/redis:7-bookworm
export NGINX_IMAGE=clinic-local/nginx:bookworm
export MAILPIT_IMAGE=clinic-local/mailcatcher:latest
python3 deploy/check.py "$@"
