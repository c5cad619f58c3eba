import { defineConfig } from 'prisma/config';

// Read DATABASE_URL directly: Prisma's env() helper throws when it is unset, and the
// embedded database (no DATABASE_URL) is the default here.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost/unused' },
});
