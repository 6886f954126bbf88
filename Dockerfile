# The op-btc-finality image: the gadget (default command), the provider daemon and the devnet share it.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY . .
USER node
EXPOSE 8080 50051
ENTRYPOINT ["node", "bin/op-btc-finality.js"]
CMD ["start"]
