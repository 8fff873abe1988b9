#!/bin/sh
# As the official image: the volume may arrive owned by root; run as redis.
set -eu
chown redis:redis /data
exec setpriv --reuid=redis --regid=redis --init-groups "$@"
