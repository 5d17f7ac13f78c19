# Build stage: the same `swift build` as the README, in release mode, for the `folio` product only.
FROM swift:6.3-bookworm AS build
# libqrencode encodes the payment QR codes.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libqrencode-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that source edits do not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY . .
RUN swift build -c release --product folio --static-swift-stdlib \
    && mkdir -p /staging \
    && cp "$(swift build -c release --show-bin-path)/folio" /staging/ \
    && cp -R "$(swift build -c release --show-bin-path)/folio_FolioHTTP.resources" /staging/ \
    && cp -R Migrations /staging/Migrations

# Runtime stage: a slim image with the binary, the files it serves (the web components and the
# spec, next to the binary where it looks for them), its migrations and a non-root user.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl libcurl4 libqrencode4 libxml2 tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin folio
WORKDIR /app
COPY --from=build --chown=root:root /staging/ /app/
USER folio
ENV FOLIO_HTTP_HOST=0.0.0.0 \
    FOLIO_HTTP_PORT=8080 \
    FOLIO_MIGRATIONS_DIR=/app/Migrations
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${FOLIO_HTTP_PORT}/health/ready" >/dev/null || exit 1
# FOLIO_DATABASE_URL, FOLIO_VAULT_KEYS and FOLIO_PLATFORM_KEYS come from the orchestrator's secrets;
# FOLIO_PUBLIC_BASE_URL (the address Invoicebox notifies) must be set too, or `serve` refuses to start.
ENTRYPOINT ["/app/folio"]
CMD ["serve"]
