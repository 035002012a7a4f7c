#!/usr/bin/env bash
# Builds the JavaScript test components the way the Spin JS SDK http-js
# template (spin/templates/v3.6) does: esbuild bundles js/<app>/src/index.js
# with the SDK's plugin (js/build.mjs), then `j2w` (@spinframework/build-tools:
# componentize-js 0.19 + wizer) makes the component. The npm packages are the
# ones pinned in package-lock.json (scripts/setup runs npm ci here).
#
#   tests/components/build-js.sh OUT_DIR [APP...]     (default: hello echo)
#
# writes OUT_DIR/<app>.wasm. An app is rebuilt only when its sources, the
# lock file, js/build.mjs or this script changed since it was built (the
# inputs' hash is kept in OUT_DIR/<app>.inputs); concurrent runs on one
# OUT_DIR wait for each other. Exit status 3: node or the npm packages are
# missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ $# -lt 1 ]; then
  echo "usage: $0 OUT_DIR [APP...]" >&2
  exit 2
fi
mkdir -p "$1"
out="$(cd "$1" && pwd)"
shift
apps=("$@")
[ ${#apps[@]} -gt 0 ] || apps=(hello echo)

j2w="$here/node_modules/.bin/j2w"
if ! command -v node >/dev/null 2>&1; then
  echo "build-js.sh: node is not installed (run scripts/setup)" >&2
  exit 3
fi
if [ ! -x "$j2w" ] || [ ! -f "$here/node_modules/esbuild/package.json" ]; then
  echo "build-js.sh: the Spin JS SDK packages are not installed in $here/node_modules (run scripts/setup)" >&2
  exit 3
fi

exec 9>"$out/.build-js.lock"
flock 9

for app in "${apps[@]}"; do
  src="$here/js/$app"
  if [ ! -f "$src/src/index.js" ]; then
    echo "build-js.sh: no app $src/src/index.js" >&2
    exit 2
  fi
  wasm="$out/$app.wasm"
  inputs="$( (cd "$here" && sha256sum "$(basename "${BASH_SOURCE[0]}")" js/build.mjs package-lock.json &&
              find "js/$app" -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-64)"
  if [ -f "$wasm" ] && [ "$(cat "$out/$app.inputs" 2>/dev/null)" = "$inputs" ]; then
    continue
  fi
  rm -rf "$wasm" "$out/$app.inputs" "$out/$app"
  mkdir -p "$out/$app"
  start=$(date +%s%N)
  # The SDK's plugin and j2w read the WIT worlds of the packages that
  # package.json in the folder they run from depends on (and its own
  # config.witDependencies): an app with a package.json of its own (one that
  # imports Spin interfaces) runs them from its folder, the others from
  # here. Everything they write goes under OUT_DIR.
  from="$here"
  [ -f "$src/package.json" ] && from="$src"
  (cd "$from" && node "$here/js/build.mjs" "$src/src/index.js" "$out/$app/bundle.js")
  # j2w reports a failed componentization on stderr but exits 0: the
  # component's presence is the verdict.
  (cd "$from" && "$j2w" -i "$out/$app/bundle.js" --initLocation "http://$app.localhost" \
     -o "$out/$app/$app.wasm")
  if [ ! -s "$out/$app/$app.wasm" ]; then
    echo "build-js.sh: j2w made no component for $app" >&2
    exit 1
  fi
  mv "$out/$app/$app.wasm" "$wasm"
  echo "$inputs" >"$out/$app.inputs"
  echo "build-js.sh: $wasm ($(stat -c %s "$wasm") bytes) in $((($(date +%s%N) - start) / 1000000)) ms"
done
