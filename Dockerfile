# The op-btc-finality image: the gadget (default command), the provider daemon and the devnet share it.
# The build stage compiles dist/ (npm ci runs the `prepare` build); the image holds dist/ and the production
# dependencies only, installed without scripts since nothing needs generating at install time.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY bin ./bin
USER node
EXPOSE 8080 50051
# The bin itself, not `node bin/…`: its #! line carries the flags and environment Node runs the gadget with
# (heap limit, semi-spaces, compiler budget, malloc settings; GNU env in bookworm splits `-S`).
ENTRYPOINT ["./bin/op-btc-finality.js"]
CMD ["start"]
