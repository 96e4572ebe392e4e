# Build stage: compile TypeScript.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY lib ./lib
RUN npm run build

# Runtime stage: production dependencies and the compiled code only.
FROM node:20-slim
ENV NODE_ENV=production
# At most two glibc malloc arenas: node's helper threads (V8's GC workers, libuv's pool, the inventory loader) would
# each get one and keep its freed memory; with two, RSS through a boot storm stays 20-40 MB lower for no measurable
# CPU (docs/real-drachtio.md). Outside a container, set it in the service's environment (systemd: Environment=).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY examples ./examples
# `drachtio-pnp` on the PATH, so `docker compose exec pnp drachtio-pnp …` runs the CLI beside the service.
RUN chmod +x dist/lib/cli/main.js && ln -s /app/dist/lib/cli/main.js /usr/local/bin/drachtio-pnp
# The site's writable directory (the inventory, the credentials key every phone's HTTP credentials derive from, the
# enrolment register, the event log): the compose file bind-mounts ./data here. Back it up.
RUN mkdir -p /var/lib/drachtio-pnp && chown node:node /var/lib/drachtio-pnp
VOLUME /var/lib/drachtio-pnp
USER node
ENTRYPOINT ["node", "dist/lib/cli/main.js"]
CMD ["serve", "--config", "examples/config.yaml"]
