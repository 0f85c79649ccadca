# syntax=docker/dockerfile:1
# todo-graphql: build with the dev toolchain, run with production dependencies
# only, as an unprivileged user. Configure with the environment (see
# .env.example); production needs AUTH_SECRET and, for several instances,
# DATABASE_URL=postgres://…

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# The web app, built into dist/web and served at /.
COPY web ./web
RUN npm run build && npm prune --omit=dev
# better-sqlite3 needs only its compiled addon at run time: its SQLite sources and
# object files are about 30 MB the image would carry for nothing.
RUN cd node_modules/better-sqlite3 \
  && rm -rf deps src build/deps build/Release/obj build/Release/obj.target build/Release/.deps \
    build/Release/*.a build/Release/test_extension.node

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATABASE_URL=/data/todo.db
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 4000
# Ready means the database answers, not just that the process runs.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM lets requests in flight finish; node runs as PID 1 and handles it itself.
CMD ["node", "dist/server.js"]
