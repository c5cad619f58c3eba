import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
} from 'class-validator';
import { PaginationQueryDto } from '../common/pagination';
import { EVENT_TYPE_NAMES } from '../events/event-types';
import { Omittable } from '../common/validation';

const SUBSCRIBABLE = EVENT_TYPE_NAMES.filter((type) => type !== 'webhook.test');

const EVENTS_DOC = {
  type: String,
  isArray: true,
  nullable: true,
  enum: SUBSCRIBABLE,
  enumName: 'SubscribableEventType',
  description: 'The event types to receive; null or absent: every type',
  example: ['sub-user.created', 'sub-user.deleted'],
};

export class CreateWebhookEndpointDto {
  @ApiProperty({
    type: String,
    example: 'https://hooks.example.com/proxy-events',
    description:
      'http(s) URL without credentials. Loopback, private and link-local hosts (and names resolving to them when sent to) are refused unless WEBHOOK_HOST_ALLOWLIST lists them.',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  url!: string;

  @ApiPropertyOptional(EVENTS_DOC)
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsIn(SUBSCRIBABLE, {
    each: true,
    message: `each value in events must be one of ${SUBSCRIBABLE.join(', ')}`,
  })
  events?: string[] | null;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 500, example: 'Billing service' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({
    type: String,
    description:
      'Admin only: deliver this tenant’s events only. An admin endpoint without it receives every tenant’s events; a tenant key’s endpoint always receives its own tenant’s.',
    example: 'default',
  })
  @Omittable()
  @IsString()
  @MaxLength(100)
  tenantId?: string;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ type: String, example: 'https://hooks.example.com/proxy-events-v2' })
  @Omittable()
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional(EVENTS_DOC)
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsIn(SUBSCRIBABLE, {
    each: true,
    message: `each value in events must be one of ${SUBSCRIBABLE.join(', ')}`,
  })
  events?: string[] | null;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({
    type: Boolean,
    description: 'false stops deliveries; true resumes them (and clears a failing streak)',
  })
  @Omittable()
  @IsBoolean()
  enabled?: boolean;
}

export class WebhookEndpointDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, example: 'https://hooks.example.com/proxy-events' })
  url!: string;

  @ApiProperty({ ...EVENTS_DOC, description: 'The event types it receives; null: every type' })
  events!: string[] | null;

  @ApiProperty({ nullable: true, type: String })
  description!: string | null;

  @ApiProperty({ type: Boolean, example: true })
  enabled!: boolean;

  @ApiProperty({ nullable: true, type: String, description: 'null: every tenant’s events (admin endpoints)' })
  tenantId!: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'Why the gateway switched it off (it had failed for WEBHOOK_DISABLE_AFTER)',
  })
  disabledReason!: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Start of the current run of failed attempts',
  })
  failingSince!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: string;
}

export class WebhookEndpointWithSecretDto extends WebhookEndpointDto {
  @ApiProperty({
    type: String,
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The signing secret (`whsec_` + base64), shown only in this answer: keep it',
  })
  secret!: string;
}

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export class WebhookDeliveryDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, format: 'uuid', description: 'The event (the `webhook-id` header)' })
  eventId!: string;

  @ApiProperty({ type: String, example: 'sub-user.created' })
  eventType!: string;

  @ApiProperty({
    type: String,
    enum: DELIVERY_STATUSES,
    enumName: 'WebhookDeliveryStatus',
    description: 'failed: every attempt failed, no more are made',
  })
  status!: string;

  @ApiProperty({ type: Number, example: 1, description: 'Attempts made' })
  attempts!: number;

  @ApiProperty({ nullable: true, type: Number, example: 200, description: 'HTTP status of the last attempt' })
  statusCode!: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 42, description: 'Duration of the last attempt' })
  durationMs!: number | null;

  @ApiProperty({ nullable: true, type: String, example: null, description: 'Why the last attempt failed' })
  error!: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'The first 1 KB of the last failed answer',
  })
  responseBody!: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When it is tried next (pending only)',
  })
  nextAttemptAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  deliveredAt!: string | null;
}

export class ListDeliveriesQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ type: String, enum: DELIVERY_STATUSES, enumName: 'WebhookDeliveryStatus' })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: (typeof DELIVERY_STATUSES)[number];
}
