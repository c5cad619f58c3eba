-- AlterTable
ALTER TABLE "provider_accounts" ADD COLUMN     "last_placed_at" TIMESTAMPTZ(3);
