# Multi-stage build: compile with dev dependencies, ship only production ones, run as non-root.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Everything the build reads (server sources, the web app under console/app, the CLI); .dockerignore
# keeps out data, tests' outputs and local state.
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# poppler-utils reads PDF metadata; tini forwards SIGTERM so workers shut down gracefully.
RUN apt-get update && apt-get install -y --no-install-recommends poppler-utils tini && rm -rf /var/lib/apt/lists/* \
  && groupadd --system app && useradd --system --gid app --home /app app \
  && mkdir -p /var/www/uploads /var/www/releases /var/log/app && chown app:app /var/www/uploads /var/www/releases /var/log/app
WORKDIR /app
COPY --from=build --chown=app:app /app/node_modules node_modules
COPY --from=build --chown=app:app /app/dist dist
COPY --chown=app:app package.json ecosystem.config.js ./
USER app
ENV NODE_ENV=production
EXPOSE 5000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--max-semi-space-size=4", "dist/api/main.js"]
