#!/bin/sh
# HEALTHCHECK of every weapp-cloud image (Dockerfile): GET /healthz on the service's own port,
# inside the container. WEAPP_SERVICE is baked into the image; the port is the service's
# <PREFIX>_PORT when the container sets one, else the service's default.
set -eu
case "${WEAPP_SERVICE:-}" in
album) port=${ALBUM_PORT:-9993} ;;
ws-game) port=${WS_GAME_PORT:-9595} ;;
video) port=${VIDEO_PORT:-9994} ;;
session) port=${SESSION_PORT:-5757} ;;
wx-sim) port=${WX_SIM_PORT:-9797} ;;
*)
    echo "healthcheck: unknown WEAPP_SERVICE '${WEAPP_SERVICE:-}'" >&2
    exit 1
    ;;
esac
exec curl -fsS -o /dev/null --max-time 3 "http://127.0.0.1:${port}/healthz"
