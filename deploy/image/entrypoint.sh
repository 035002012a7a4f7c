#!/bin/sh
# The image's ENTRYPOINT: runs `spindle "$@"`. The compile cache prefilled at
# image build time ($SPINDLE_PREFILLED_CACHE, see Dockerfile PRECOMPILE) sits
# on the read-only image; the first start of a container copies it into the
# writable cache ($XDG_CACHE_HOME/spindle, an emptyDir in Kubernetes) so the
# app's modules are native from the first request.
set -eu
cache="${XDG_CACHE_HOME:-$HOME/.cache}/spindle"
prefilled="${SPINDLE_PREFILLED_CACHE:-}"
if [ -n "$prefilled" ] && [ -d "$prefilled/native" ] && [ ! -e "$cache/native" ]; then
  if ! { mkdir -p "$cache" && cp -R "$prefilled/." "$cache/"; }; then
    echo "spindle-entrypoint: could not copy the prefilled compile cache to $cache" \
         "(is it a writable volume?); modules compile at start instead" >&2
  fi
fi
exec /usr/local/bin/spindle "$@"
