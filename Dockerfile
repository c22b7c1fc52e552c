# kite-token: refreshes a Kite Connect access token every morning with headless Chromium.
#
# Base: Debian's own `chromium-headless-shell` package on the official Node 24 (the current
# LTS line) Debian (bookworm) image; CI runs the tests on Node 24 and on Debian's Chromium.
# Pinned by tag; to pin by digest as well, see "Pinning the base image" in the README. Keep
# both FROM lines on the same tag.
#
# No secret is baked in: credentials come at run time from the environment or from
# NAME_FILE=/run/secrets/... (Docker and Compose secrets).

# --- build: dev dependencies, TypeScript compile ------------------------------------------
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here; we build below.
# --omit=optional: the bundled Chromium (for machines without one) is not needed to build.
RUN npm ci --omit=optional --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY config ./config
RUN npm run build

# --- runtime: production dependencies only, Chromium, tini, IST ----------------------------
FROM node:24.22.3-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium-headless-shell fonts-liberation tzdata tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# BROWSER_NO_SANDBOX: Docker's default seccomp profile denies the user namespaces Chromium's
# sandbox needs; the container is the isolation boundary (see the README).
# HOST=0.0.0.0: the console (SERVER_ENABLED=true, or `serve`) listens on the container's
# interfaces, so that a published port (-p 127.0.0.1:8079:8079) reaches it; beyond loopback
# it refuses to start without ADMIN_TOKEN.
ENV NODE_ENV=production \
    TZ=Asia/Kolkata \
    HOST=0.0.0.0 \
    BROWSER_PATH=/usr/bin/chromium-headless-shell \
    BROWSER_NO_SANDBOX=true \
    TOKEN_FILE=/data/token.json \
    STATE_FILE=/data/state.json \
    ARTIFACTS_DIR=/data/artifacts
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional: Debian's headless shell above is the browser; the bundled one stays out.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY config ./config
COPY --from=build /app/dist ./dist
COPY public ./public
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
USER node
VOLUME ["/data"]
HEALTHCHECK --interval=5m --timeout=30s --start-period=1m --retries=3 \
  CMD ["node", "/app/dist/cli/main.js", "health"]
# tini is PID 1: it forwards SIGTERM to node and reaps Chromium's orphaned children.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/cli/main.js"]
CMD ["worker"]
