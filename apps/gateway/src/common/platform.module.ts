import { Global, Module } from '@nestjs/common';
import { Clock } from './clock';
import { SharedRedis } from './redis/shared-redis';

/** Process-wide resources every module may use: the clock and the shared Redis connection. */
@Global()
@Module({ providers: [Clock, SharedRedis], exports: [Clock, SharedRedis] })
export class PlatformModule {}
