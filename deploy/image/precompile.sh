#!/bin/sh
# spindle-precompile APP_DIR: fills the compile cache ($XDG_CACHE_HOME/spindle)
# with the native code of every module of the app, as `spindle up` would on
# its first start; used by the Dockerfile (PRECOMPILE=1). It runs
# `spindle up` on a loopback port and waits until the app runs on native
# code: either everything was cached already, or the log says
# "Switched to native code". Exit status 0 when it does, 1 otherwise.
set -eu
app="${1:?usage: spindle-precompile APP_DIR}"
limit="${SPINDLE_PRECOMPILE_SECONDS:-600}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Required variables only need a value to load; nothing is served.
SPIN_VARIABLE_JWT_SECRET="${SPIN_VARIABLE_JWT_SECRET:-precompile}" \
  spindle up -f "$app" --listen 127.0.0.1:0 --state-dir "$work/state" --quiet \
  >"$work/log" 2>&1 &
pid=$!
status=1
i=0
while [ "$i" -lt "$((limit * 2))" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "spindle-precompile: spindle up exited:" >&2
    cat "$work/log" >&2
    exit 1
  fi
  if grep -q "Switched to native code" "$work/log"; then status=0; break; fi
  if grep -q "^Available Routes:" "$work/log" &&
     ! grep -q "from the interpreter while native code compiles" "$work/log"; then
    status=0
    break
  fi
  sleep 0.5
  i=$((i + 1))
done
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
cat "$work/log"
if [ "$status" -ne 0 ]; then
  echo "spindle-precompile: $app did not switch to native code within ${limit}s" >&2
fi
exit "$status"
