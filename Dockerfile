# syntax=docker/dockerfile:1
# The prediction service (serve/) as a container image. Stages: `build` compiles the project
# with its dev dependencies; `deps` installs the production dependencies alone; `runtime` holds
# those, the compiled service and nothing else, and runs as an unprivileged user.
#
#   docker build -t dvc-ts-serve .                              # bundle/ mounted in /app/serving
#   docker build -t dvc-ts-serve --build-arg BUNDLE=baked .     # bundle/ (made by `dvc-ts repro`) baked in
#
# BUNDLE picks the stage the bundle comes from (BuildKit builds only the stages the target
# needs, so bundle/ must exist only when it is baked). docs/deploy.md has the details.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG BUNDLE=mounted

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No lifecycle scripts: `prepare` would build before the sources are here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/postbuild.mjs ./scripts/
COPY engine ./engine
COPY stages ./stages
COPY serve ./serve
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The bundle's two sources: none (a folder holding bundle/ is mounted at /app/serving) or the
# packaged bundle/.
FROM ${NODE_IMAGE} AS bundle-mounted
RUN mkdir -p /bundle

FROM ${NODE_IMAGE} AS bundle-baked
COPY bundle/ /bundle/

FROM bundle-${BUNDLE} AS bundle

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# package.json says the compiled modules are ES modules ("type": "module").
COPY --from=build /src/package.json ./package.json
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/serve ./dist/serve
COPY --from=build /src/dist/stages/lib ./dist/stages/lib
# quality.ranges: readings outside them are flagged and scored as missing.
COPY params.yaml ./params.yaml
# A bundle is swapped by renaming folders beside it (as `package` publishes and a canary is
# promoted), so a mount goes on the folder above it, /app/serving, not on the bundle itself.
COPY --from=bundle /bundle/ ./serving/bundle/
# Logs are the service's writes (besides a promoted candidate, in /app/serving); uid 1000 is the base image's `node` user, given
# by number so that Kubernetes' runAsNonRoot can check it.
RUN mkdir -p /app/logs && chown 1000:1000 /app/logs
USER 1000:1000
VOLUME ["/app/logs"]
EXPOSE 8080
# Liveness only: readiness (a valid model loaded) is /health/ready, for the orchestrator.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The service drains on SIGTERM: requests in flight are answered and logged, then it exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/serve/main.js"]
CMD ["--host", "0.0.0.0", "--port", "8080", "--bundle", "/app/serving/bundle", "--reference", "/app/serving/bundle/reference.csv", "--logs", "/app/logs", "--params", "/app/params.yaml"]
