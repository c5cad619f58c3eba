// Bulk create and update: each item is validated on its own by the job, so one bad item is
// reported without refusing the others.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject } from 'class-validator';
import { ProblemFieldError } from '../../common/problem/problem-details';
import { NestedObject, Omittable } from '../../common/validation';
import { PlacementDto } from './sub-user-input.dto';

export const BULK_MAX_ITEMS = 1000;

export class BulkCreateDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    minItems: 1,
    maxItems: BULK_MAX_ITEMS,
    description:
      'Create bodies as for POST /v1/sub-users, validated one by one: an invalid item is reported as failed (VALIDATION_FAILED) and the others go on. Anywhere in the body, text no database stores exactly (NUL, unpaired surrogates), a number past ±(2^53 − 1) or nesting past 32 levels refuses the whole request (422 VALIDATION_FAILED naming the field) before any job exists, as on every route.',
    example: [
      { provider: 'webshare', name: 'customer-42-a', trafficLimit: '5GB' },
      { provider: 'proxyhat', name: 'customer-42-b', trafficLimit: '5GB' },
    ],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(BULK_MAX_ITEMS)
  @IsObject({ each: true })
  items!: Record<string, unknown>[];

  @ApiPropertyOptional({
    type: PlacementDto,
    description: 'Placement for every item that names no providerAccountId and no placement of its own',
  })
  @Omittable()
  @NestedObject(() => PlacementDto)
  placement?: PlacementDto;
}

export class BulkUpdateDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    minItems: 1,
    maxItems: BULK_MAX_ITEMS,
    description:
      'Each item: {id, ifMatch?, ...the fields of PATCH /v1/sub-users/{id}}; ifMatch is the ETag the change applies to (412 when it is stale); an invalid item is reported as failed and the others go on. Anywhere in the body, text no database stores exactly (NUL, unpaired surrogates), a number past ±(2^53 − 1) or nesting past 32 levels refuses the whole request (422 VALIDATION_FAILED naming the field) before any job exists, as on every route.',
    example: [
      { id: '3c9b7a52-3f27-4c51-9f0e-0d7f4f5f7a10', ifMatch: '"v3"', trafficLimit: '10GB' },
      { id: '7d1e2c3b-8a4e-4f5a-9b6c-7d8e9f0a1b2c', metadata: { plan: 'gold' } },
    ],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(BULK_MAX_ITEMS)
  @IsObject({ each: true })
  items!: Record<string, unknown>[];
}

export class BulkItemErrorDto {
  @ApiProperty({ type: String, example: 'PRECONDITION_FAILED', description: 'The problem code' })
  code!: string;

  @ApiProperty({
    type: 'integer',
    example: 412,
    description: 'The HTTP status the single call would have answered',
  })
  status!: number;

  @ApiProperty({ type: String, example: 'If-Match "v3" does not match the current ETag "v4"' })
  detail!: string;

  @ApiPropertyOptional({ type: [ProblemFieldError], description: 'Every field at fault' })
  errors?: ProblemFieldError[];
}

export class BulkItemResultDto {
  @ApiProperty({ type: 'integer', example: 0, description: 'The item’s position in the request' })
  index!: number;

  @ApiPropertyOptional({ type: String, format: 'uuid', description: 'The sub-user created or updated' })
  id?: string;

  @ApiProperty({ type: String, enum: ['created', 'updated', 'failed', 'skipped'], example: 'created' })
  outcome!: 'created' | 'updated' | 'failed' | 'skipped';

  @ApiPropertyOptional({
    type: BulkItemErrorDto,
    description:
      'Why it failed: the problem code, HTTP status and detail the single call would have answered',
    example: {
      code: 'PRECONDITION_FAILED',
      status: 412,
      detail: 'If-Match "v3" does not match the current ETag "v4"',
    },
  })
  error?: { code: string; status: number; detail: string; errors?: { field: string; message: string }[] };
}
