import { timingSafeEqual } from 'node:crypto';
import { GatewayConfig } from '../config/gateway-config';

/** Whether `authorization` is `Bearer <METRICS_TOKEN>` (false when no token is configured). */
export function presentsMetricsToken(
  config: Pick<GatewayConfig, 'security'>,
  authorization: string | undefined,
): boolean {
  const token = config.security.metricsToken;
  if (!token) return false;
  const given = Buffer.from(authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
