#!/bin/sh
# Stands in for Prisma's native schema engine, which cannot be downloaded on machines
# without internet. `prisma generate` only needs the variable to point at an executable;
# migrations are applied by libs/persistence's runner and authored by `npm run db:diff`.
echo "offline-schema-engine: Prisma's native schema engine is not available here; use npm run db:migrate / npm run db:diff" >&2
exit 1
