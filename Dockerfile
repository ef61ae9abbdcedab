# Multi-stage build of every service binary into one small runtime image.
# The compose file runs the same image with a different command per service.

FROM rust:1.95-bookworm AS build
WORKDIR /src
# Cache dependencies: build against the manifests first.
COPY Cargo.toml Cargo.lock ./
COPY schemas/Cargo.toml schemas/
COPY domain/Cargo.toml domain/
COPY platform/Cargo.toml platform/
COPY config/Cargo.toml config/
COPY ingest/Cargo.toml ingest/
COPY processor/Cargo.toml processor/
COPY projector/Cargo.toml projector/
COPY admin/Cargo.toml admin/
COPY exporter/Cargo.toml exporter/
COPY analyst/Cargo.toml analyst/
COPY tests/Cargo.toml tests/
RUN cargo fetch --locked
COPY . .
RUN cargo build --release --locked --bins \
 && mkdir -p /out \
 && cp target/release/ingest target/release/processor target/release/projector \
       target/release/admin target/release/exporter target/release/analyst /out/

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 keyserver
COPY --from=build /out/ /usr/local/bin/
USER keyserver
ENV LOG_FORMAT=json
