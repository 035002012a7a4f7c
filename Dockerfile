# The spindle container image: `spindle up` for Kubernetes, plain or through
# SpinKube's spin-operator (a SpinAppExecutor with deploymentConfig.spinImage
# runs this image with `up --listen 0.0.0.0:80 -f <app reference>
# --runtime-config-file /runtime-config.toml [--component-id X]`).
# docs/DEPLOY.md ("Container image") has the commands as run, deploy/ the
# manifests.
#
# Build arguments:
#   BASE        the Debian bookworm image both stages start from
#               (default debian:bookworm; any bookworm root filesystem works,
#               e.g. one made with debootstrap and `podman import`)
#   APP         an app folder of this repository built into the image at /app
#               (default examples/site; empty: no app, serve one from a
#               registry with `-f <reference>` or from a mounted folder)
#   PRECOMPILE  1 (default): compile /app's modules to native code at build
#               time, so a pod serves native code from its first request;
#               0: the first `spindle up` of each pod compiles them (serving
#               from the interpreter meanwhile)
#   JOBS        parallel compile jobs of the build stage (default 2)
#
# At run time the root filesystem can be read-only; spindle writes only to
#   /cache   the compile cache and pulled apps ($XDG_CACHE_HOME/spindle)
#   /tmp     the C compiler's temporary files
#   /state   the state folder given with --state-dir (logs, SQLite stores,
#            a staged copy of each component's `files`)
# Mount a writable volume (Kubernetes emptyDir) on each; /cache must allow
# executing files (compiled modules are dlopen'ed from it).

ARG BASE=debian:bookworm

# ---- build: the project's own scripts, only what the binary needs -------------
FROM ${BASE} AS build
ARG APP=examples/site
ARG JOBS=2
WORKDIR /src
COPY . .
RUN scripts/setup --build-only && rm -rf /var/lib/apt/lists/*
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DSPINDLE_BUILD_TESTS=OFF -DSPINDLE_BUILD_BENCH=OFF >/dev/null \
 && cmake --build /build -j"${JOBS}" --target spindle \
 && strip --strip-debug -o /spindle /build/src/cli/spindle
# The Debian packages holding the shared libraries the binary links, plus the
# libcurl spindle loads on first use (util/curl_lib.cpp): the runtime stage
# installs exactly these.
RUN { ldd /spindle | awk '/=> \//{print $3}'; ldconfig -p | awk '/libcurl\.so\.4 /{print $NF}'; } \
    | while read -r lib; do dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib"; done \
    | cut -d: -f1 | sort -u | grep -v '^libc6$' > /runtime-packages \
 && cat /runtime-packages
# The app, built with spindle's own `spindle build` (its build commands).
RUN mkdir /app \
 && if [ -n "${APP}" ]; then \
      /spindle build -f "${APP}" \
      && cp -a "${APP}/." /app/ \
      && rm -rf /app/.spin /app/.env; \
    fi
# Templates and the SDK, for `spindle new` and `spindle build` in the image.
RUN mkdir -p /share/spindle && cp -a templates sdk /share/spindle/ \
 && rm -rf /share/spindle/sdk/cpp/node_modules

# ---- runtime: spindle, clang-19 for the AOT cache, runtime libraries ----------
FROM ${BASE}
ARG PRECOMPILE=1
COPY --from=build /runtime-packages /usr/local/share/spindle-runtime-packages
# clang-19 compiles wasm2c's C to shared objects (DESIGN.md, native backend);
# it brings binutils (whose ld links them) and libc6-dev. ca-certificates: the
# CA bundle of outbound HTTPS (SpinKube's installDefaultCACerts mounts its own
# over /etc/ssl/certs/ca-certificates.crt).
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      clang-19 ca-certificates $(cat /usr/local/share/spindle-runtime-packages) >/dev/null \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
COPY --from=build /spindle /usr/local/bin/spindle
COPY --from=build /share/spindle /usr/local/share/spindle
COPY --from=build /app /app
COPY deploy/image/entrypoint.sh /usr/local/bin/spindle-entrypoint
COPY deploy/image/precompile.sh /usr/local/bin/spindle-precompile
# Non-root; the writable folders exist (owned by the user) for runs without
# volumes, and are where the manifests mount emptyDirs.
RUN useradd --uid 10001 --user-group --home-dir /home/spindle --create-home spindle \
 && mkdir -p /cache /state \
 && chown spindle:spindle /cache /state
# The prefilled compile cache: built here, with the clang-19 the image runs
# (the cache key holds the compiler's identity), as the user that runs it.
# spindle-entrypoint copies it into /cache when /cache has no cache yet.
USER 10001:10001
RUN if [ "${PRECOMPILE}" = 1 ] && [ -f /app/spin.toml ]; then \
      XDG_CACHE_HOME=/home/spindle/prefill spindle-precompile /app; \
    fi
# SPINDLE_SHUTDOWN_DELAY: on SIGTERM the health endpoint answers 503 this
# long before the listener closes, also when an orchestrator (SpinKube)
# passes its own arguments without --shutdown-delay.
ENV XDG_CACHE_HOME=/cache \
    SPINDLE_SHUTDOWN_DELAY=5s \
    SPINDLE_PREFILLED_CACHE=/home/spindle/prefill/spindle \
    HOME=/home/spindle
WORKDIR /app
EXPOSE 80
ENTRYPOINT ["/usr/local/bin/spindle-entrypoint"]
# The app built into the image; an orchestrator passes its own arguments
# (SpinKube: up --listen 0.0.0.0:80 -f <reference> --runtime-config-file ...).
CMD ["up", "--listen", "0.0.0.0:80", "-f", "/app", "--state-dir", "/state"]
