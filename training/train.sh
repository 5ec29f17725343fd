#!/bin/sh
# npm run train -- --data <dir> [make variables, e.g. CHAT_MINUTES=30]
# A thin wrapper: turns --data DIR into `make -C training DATA=<absolute DIR>`.
set -e
DATA=""
while [ $# -gt 0 ]; do
  case "$1" in
    --data) DATA="$2"; shift 2 ;;
    --data=*) DATA="${1#--data=}"; shift ;;
    *) break ;;
  esac
done
ORIG="$(pwd)"
cd "$(dirname "$0")"
if [ -n "$DATA" ]; then
  case "$DATA" in /*) ;; *) DATA="$ORIG/$DATA" ;; esac
  exec make DATA="$DATA" "$@"
fi
exec make "$@"
