# postbode in a container: one binary, the example configuration, the MJML
# layouts and the sample issues (drafts) as defaults.
#
#   docker build -t postbode .
#   # once: the key that signs every link; keep the file (a new key voids old links)
#   echo "POSTBODE_SECRETS__TOKEN_KEYS=[\"$(openssl rand -hex 32)\"]" > postbode.env
#   docker run -p 127.0.0.1:8080:8080 --env-file postbode.env \
#     -e POSTBODE_PLATFORM__BASE_URL=https://nieuws.example.nl \
#     -e POSTBODE_SMTP__URL='smtp://mail.example.nl:587?tls=required' \
#     -e POSTBODE_HTTP__TRUSTED_PROXIES='["172.17.0.1/32"]' \
#     -v postbode-data:/srv/postbode/data \
#     -v "$PWD/newsletters:/srv/postbode/newsletters" \
#     postbode
#
# Uses BuildKit cache mounts (the default builder since Docker 23).

# --- build ---------------------------------------------------------------------
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# The registry and target folders are cache mounts, so the binary is copied
# out of target/ within the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && cp target/release/postbode /usr/local/bin/postbode

# --- runtime -------------------------------------------------------------------
FROM debian:bookworm-slim
# Not pinned: the certificates should be Debian's newest with each build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --gid 10001 postbode \
    && useradd --uid 10001 --gid 10001 --home-dir /srv/postbode --no-create-home \
        --shell /usr/sbin/nologin postbode
WORKDIR /srv/postbode
COPY --from=build /usr/local/bin/postbode /usr/local/bin/postbode
COPY mjml/ ./mjml/
COPY postbode.toml ./postbode.toml
COPY --chown=10001:10001 newsletters/ ./newsletters/
# data/ holds the SQLite database; outbox/ receives .eml files while smtp.url
# is file://outbox (the example configuration).
RUN mkdir -p data outbox && chown 10001:10001 data outbox
# The example configuration has no key: `serve` refuses to start without one
# and prints how to make it. Inside the container the web server must listen
# on every interface; publish it on the host's loopback only (-p 127.0.0.1:…)
# and put a TLS proxy in front.
ENV POSTBODE_HTTP__LISTEN=0.0.0.0:8080
USER 10001:10001
VOLUME ["/srv/postbode/data", "/srv/postbode/newsletters"]
EXPOSE 8080
# `postbode healthcheck` asks the server's own /healthz (the image has no curl).
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["postbode", "healthcheck"]
ENTRYPOINT ["postbode"]
CMD ["serve"]
