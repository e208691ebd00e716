# Candor: one binary, plus its data dir (volume) and knowledge dir.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY templates ./templates
COPY benches ./benches
COPY tests ./tests
COPY embed ./embed
COPY examples ./examples
RUN cargo build --release --locked --bin candor

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /var/lib/candor candor \
    && mkdir -p /var/lib/candor/data && chown -R candor /var/lib/candor
COPY --from=build /src/target/release/candor /usr/local/bin/candor
COPY knowledge /srv/candor/knowledge
USER candor
WORKDIR /var/lib/candor
ENV CANDOR_BIND=0.0.0.0:8080 \
    CANDOR_DATA_DIR=/var/lib/candor/data \
    CANDOR_KNOWLEDGE_DIR=/srv/candor/knowledge \
    CANDOR_LOG_FORMAT=json
VOLUME ["/var/lib/candor/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s --retries=3 CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["candor"]
CMD ["serve"]
