// Used by the Prisma CLI on a connected machine (`prisma migrate deploy`); the service itself applies
// the same migrations with its own runner (src/db/migrate.ts).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgres://localhost:5432/postgres" },
});
