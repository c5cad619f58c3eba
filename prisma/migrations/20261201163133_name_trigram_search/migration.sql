-- The name search (GET /v1/sub-users?q=…: name ILIKE '%…%') through a trigram index, which needs
-- pg_trgm: part of PostgreSQL's contrib, and loaded by the embedded database (PGlite's
-- contrib/pg_trgm; libs/persistence/src/database.ts loads it wherever PGlite opens).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateIndex
CREATE INDEX "sub_user_mappings_name_idx" ON "sub_user_mappings" USING GIN ("name" gin_trgm_ops);
