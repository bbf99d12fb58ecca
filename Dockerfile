# One image per weapp-cloud service, built from this workspace:
#
#   docker build --build-arg SERVICE=album -t weapp-cloud/album .
#   docker build --build-arg SERVICE=wx-sim --build-arg PACKAGE=wx-api -t weapp-cloud/wx-sim .
#
# The builder compiles the release binary SERVICE of workspace package PACKAGE (default: the
# package of the same name); the runtime image is Debian slim with that binary, CA
# certificates and curl (for health checks), running as an unprivileged user.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS builder
ARG SERVICE=album
ARG PACKAGE=
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p "${PACKAGE:-$SERVICE}" --bin "${SERVICE}" \
    && install -D -m 0755 "target/release/${SERVICE}" "/out/${SERVICE}"

FROM debian:bookworm-slim AS runtime
ARG SERVICE=album
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --user-group --uid 10001 --home-dir /app --create-home \
        --shell /usr/sbin/nologin weapp
COPY --from=builder /out/${SERVICE} /usr/local/bin/${SERVICE}
# A fixed entry point name, so the exec-form ENTRYPOINT works for every SERVICE and the
# binary itself is PID 1 and receives SIGTERM from `docker stop`.
RUN ln -s "${SERVICE}" /usr/local/bin/weapp-service
# In a container the service must listen on all interfaces (the defaults are loopback).
ENV ALBUM_HOST=0.0.0.0 \
    RUST_LOG=info
USER weapp
WORKDIR /app
ENTRYPOINT ["/usr/local/bin/weapp-service"]
