export * from './database-target';
export * from './database';
export * from './prisma.service';
export * from './persistence.module';
export * from './migrations/migration-files';
export * from './migrations/migration-runner';
