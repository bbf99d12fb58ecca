# One image per weapp-cloud service, built from this workspace:
#
#   docker build --build-arg SERVICE=album -t weapp-cloud/album .
#   docker build --build-arg SERVICE=wx-sim --build-arg PACKAGE=wx-api -t weapp-cloud/wx-sim .
#
# Stages: `chef` (the pinned Rust toolchain with cargo-chef), `planner` (the dependency recipe:
# every Cargo.toml and Cargo.lock, no sources), `builder` (first the dependencies of PACKAGE
# from the recipe — a layer that stays cached while only sources change — then the release
# binary SERVICE), `runtime` (Debian slim with that binary, CA certificates and curl, running
# as an unprivileged user). A change to a .rs file therefore rebuilds the workspace crates
# only; a change to Cargo.toml/Cargo.lock rebuilds the dependency layer.
#
# Every image listens on 0.0.0.0 inside the container (the binaries default to loopback) and
# has a HEALTHCHECK on its /healthz. Base images are pinned to exact versions; bump them
# deliberately (RUST_VERSION with the workspace's rust-version).

ARG RUST_VERSION=1.95.0
ARG DEBIAN_VERSION=12.11

FROM rust:${RUST_VERSION}-slim-bookworm AS chef
# cargo-chef pinned like every other tool: its recipe format changes between releases.
RUN cargo install cargo-chef --version 0.1.78 --locked
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
ARG SERVICE=album
ARG PACKAGE=
COPY --from=planner /src/recipe.json recipe.json
# The dependency layer: rebuilt only when the recipe (manifests, lock file) changes.
RUN cargo chef cook --release --locked --recipe-path recipe.json -p "${PACKAGE:-$SERVICE}"
COPY . .
RUN cargo build --release --locked -p "${PACKAGE:-$SERVICE}" --bin "${SERVICE}" \
    && install -D -m 0755 "target/release/${SERVICE}" "/out/${SERVICE}"

FROM debian:${DEBIAN_VERSION}-slim AS runtime
ARG SERVICE=album
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --user-group --uid 10001 --home-dir /app --create-home \
        --shell /usr/sbin/nologin weapp
COPY --from=builder /out/${SERVICE} /usr/local/bin/${SERVICE}
COPY deploy/docker/healthcheck.sh /usr/local/bin/weapp-healthcheck
# A fixed entry point name, so the exec-form ENTRYPOINT works for every SERVICE and the
# binary itself is PID 1 and receives SIGTERM from `docker stop`.
RUN ln -s "${SERVICE}" /usr/local/bin/weapp-service
# In a container every service listens on all interfaces (the binaries default to loopback).
# Each binary reads only its own prefix, so the other services' variables are never "unknown"
# settings to it.
ENV WEAPP_SERVICE=${SERVICE} \
    ALBUM_HOST=0.0.0.0 \
    WS_GAME_HOST=0.0.0.0 \
    VIDEO_HOST=0.0.0.0 \
    SESSION_HOST=0.0.0.0 \
    WX_SIM_HOST=0.0.0.0 \
    RUST_LOG=info
USER weapp
WORKDIR /app
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/weapp-healthcheck"]
ENTRYPOINT ["/usr/local/bin/weapp-service"]
