import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

export class CreateTenantDto {
  @ApiProperty({ example: 'acme-reseller', maxLength: 100, description: 'Unique name' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @Matches(/^\S(.*\S)?$/, { message: 'name must not start or end with whitespace' })
  name!: string;
}

export class TenantDto {
  @ApiProperty({ example: '3f1c2b4a-9d8e-4f7a-b6c5-d4e3f2a1b0c9', description: 'A UUID, or `default`' })
  id!: string;

  @ApiProperty({ example: 'acme-reseller' })
  name!: string;

  @ApiProperty({ format: 'date-time', example: '2026-03-01T12:00:00.000Z' })
  createdAt!: string;
}
