# syntax=docker/dockerfile:1
# One image for every Switchyard service; the argument names the service to run:
#
#   docker build -t switchyard:0.1.0 .
#   docker run --rm switchyard:0.1.0 router        (ingress, router, policy, provider-worker or metering)
#
# Each service is configured by its environment (README, services/<name>/); charts/switchyard wires them together.
# Node.js 26 is the active LTS line; NODE_VERSION selects another (the code supports 20.18 and later).
ARG NODE_VERSION=26

# The workspace manifests alone, so the dependency layers below are rebuilt only when a manifest or the lockfile
# changes, not on every source edit.
FROM node:${NODE_VERSION}-trixie-slim AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
  && cp --parents package.json package-lock.json test/package.json /manifests/ \
  && find packages services -mindepth 2 -maxdepth 2 -name package.json -exec cp --parents {} /manifests/ \;

# Compile: every dependency (TypeScript included), then the services and the packages they reference.
FROM node:${NODE_VERSION}-trixie-slim AS build
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY packages/ packages/
COPY services/ services/
RUN npx tsc -b services/ingress services/router services/policy services/provider-worker services/metering \
  && mkdir /out \
  && for dir in packages/* services/*; do \
       if [ -d "$dir/dist" ]; then mkdir -p "/out/$dir" && cp -r "$dir/dist" "/out/$dir/"; fi; \
     done \
  && find /out -name '*.spec.*' -delete \
  && find /out -name '*.map' -delete

# Production dependencies of the five services only: no dev tools, no test or launcher dependencies.
FROM node:${NODE_VERSION}-trixie-slim AS deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    --workspace services/ingress --workspace services/router --workspace services/policy \
    --workspace services/provider-worker --workspace services/metering

FROM node:${NODE_VERSION}-trixie-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/ ./
COPY --from=build /out/ ./
COPY scripts/serve.js scripts/serve.js
COPY config/switchyard.example.yaml config/switchyard.example.yaml
# A fixed numeric user that owns nothing in the image (the chart runs it with a read-only root filesystem).
USER 10001:10001
EXPOSE 4000 4001 9090
ENTRYPOINT ["node", "scripts/serve.js"]
CMD ["ingress"]
