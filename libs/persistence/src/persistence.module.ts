import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { openDatabase } from './database';
import { DatabaseTarget, describeDatabaseTarget } from './database-target';
import { PrismaService } from './prisma.service';

export interface PersistenceOptions {
  target: DatabaseTarget;
  poolSize?: number;
  /** Apply the committed migrations before anything else uses the database (default true). */
  migrate?: boolean;
}

@Global()
@Module({})
export class PersistenceModule {
  static forRoot(options: PersistenceOptions): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        {
          provide: PrismaService,
          useFactory: async () => {
            const logger = new Logger('Database');
            const database = await openDatabase(options.target, { poolSize: options.poolSize });
            if (options.migrate !== false) {
              try {
                const applied = await database.migrate();
                if (applied.length) logger.log(`Applied migrations: ${applied.join(', ')}`);
              } catch (error) {
                await database.close();
                throw error;
              }
            }
            logger.log(`Using ${describeDatabaseTarget(options.target)}`);
            return new PrismaService(database);
          },
        },
      ],
      exports: [PrismaService],
    };
  }
}
