import { Module } from '@nestjs/common';
import { SecretBox } from './secret-box';

/** Sealing secrets at rest (provider keys, sealed answers, webhook secrets). */
@Module({ providers: [SecretBox], exports: [SecretBox] })
export class CryptoModule {}
