import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

/**
 * Swagger for the admin-only access controllers (401, 403 and the other answers of every
 * authenticated route are added by the document builder).
 */
export function ApiAccessController() {
  return applyDecorators(ApiTags('access'), ApiBearerAuth('bearer'));
}
