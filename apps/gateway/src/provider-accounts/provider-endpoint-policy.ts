import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GatewayError, ProviderError, type ProviderName } from '@app/domain';
import { type ProviderAccountConfig, ProviderRegistry } from '@app/providers';
import { GATEWAY_CONFIG } from '../config/config.module';
import type { GatewayConfig } from '../config/gateway-config';
import { UrlRefusal, checkOutboundUrl } from '../security/url-policy';

/**
 * Where an account's secret key may go. A baseUrl is the provider's official host or one the
 * operator allowlisted (PROVIDER_HOST_ALLOWLIST, the only way to reach loopback or private
 * addresses: the demo and tests name 127.0.0.1 there). A probe of a new key or URL answers the
 * same whatever went wrong, so it cannot tell a caller whether a port is open or what answered.
 */
@Injectable()
export class ProviderEndpointPolicy {
  constructor(
    private readonly registry: ProviderRegistry,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** The normalised baseUrl, or 422 naming what is wrong with it. */
  check(provider: ProviderName, baseUrl: string): string {
    const official = new URL(this.registry.describe(provider).defaultBaseUrl).hostname;
    try {
      checkOutboundUrl(baseUrl, {
        allowlist: this.config.providers.hostAllowlist,
        trustedHosts: [official],
        requirePublicName: true,
      });
    } catch (error) {
      if (!(error instanceof UrlRefusal)) throw error;
      throw new GatewayError('VALIDATION_FAILED', `baseUrl ${error.message}`, {
        fieldErrors: [
          {
            field: 'baseUrl',
            message: `${error.message}; use the provider's official host (${official}) or a host in PROVIDER_HOST_ALLOWLIST`,
          },
        ],
      });
    }
    return baseUrl.replace(/\/+$/, '');
  }

  /**
   * Asks the provider to accept the key. A refused key is 502 PROVIDER_AUTH_FAILED; any other
   * failure (nothing listening, a timeout, an answer that is not the provider's) is one and the
   * same 503, and neither carries the upstream's own words.
   */
  async probe(config: ProviderAccountConfig): Promise<void> {
    // A throwaway driver: the account does not exist yet (or its key is about to change).
    const probe = this.registry.driverFor({ ...config, id: `probe:${config.id}:${randomUUID()}` });
    try {
      await probe.checkCredentials();
    } catch (error) {
      if (error instanceof ProviderError && error.code === 'PROVIDER_AUTH_FAILED') {
        throw new ProviderError(
          config.provider,
          'PROVIDER_AUTH_FAILED',
          `${config.provider} refused the key`,
          {
            ...(error.providerStatus !== undefined ? { providerStatus: error.providerStatus } : {}),
            reachedProvider: 'yes',
          },
        );
      }
      throw new ProviderError(
        config.provider,
        'PROVIDER_UNAVAILABLE',
        `The ${config.provider} API could not be verified at this baseUrl; check the URL and try again`,
        { reachedProvider: 'no' },
      );
    } finally {
      await this.registry.invalidate(probe.accountId);
    }
  }
}
