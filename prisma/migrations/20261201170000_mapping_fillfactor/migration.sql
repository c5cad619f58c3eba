-- Room in every page of sub_user_mappings for a row's next version: an UPDATE that changes no
-- indexed column (a sync's synced_at, a snapshot or usage report, a change claim) then stays in the
-- page as a HOT update and touches none of the table's eleven indexes (two of them GIN). Pages
-- written before this migration get the room as they are rewritten. Not part of schema.prisma
-- (Prisma has no storage parameters), so the drift check does not see it.
ALTER TABLE sub_user_mappings SET (fillfactor = 80);
