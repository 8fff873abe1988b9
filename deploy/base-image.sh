#!/usr/bin/env bash
# Make the local Debian base image (default clinic-local/debian:bookworm) that the
# deploy check builds its stand-ins for the official images FROM, since no image
# can be pulled on the CI machine. debootstrap's root file system is kept as a
# tarball in $CLINIC_BASE_CACHE so that later runs only `docker import` it (or
# nothing at all, when the image is still there).
set -euo pipefail

image=${1:-clinic-local/debian:bookworm}
cache=${CLINIC_BASE_CACHE:-/var/cache/clinic-debootstrap}
suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
tarball=$cache/$suite-minbase.tar

if docker image inspect "$image" >/dev/null 2>&1; then
  exit 0
fi
mkdir -p "$cache"
if [ ! -s "$tarball" ]; then
  root=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  echo "deploy: debootstrap $suite into $root (once; kept as $tarball)"
  debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log"; exit 1; }
  # The point releases' fixes too, as the official images have them.
  cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror $suite main
deb $mirror $suite-updates main
deb http://deb.debian.org/debian-security $suite-security main
SOURCES
  # Leaner layers in every image built FROM it, as in Docker's own Debian images.
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90clinic-no-recommends"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
fi
echo "deploy: docker import $tarball as $image"
docker import --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' "$tarball" "$image" >/dev/null
