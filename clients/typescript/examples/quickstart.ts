// The README's example (section "API contract"), type-checked by `npm run typecheck`; a test
// checks that the README shows these very lines.
import { createGatewayClient } from '../src';

// prettier-ignore
export async function quickstart(): Promise<void> {
const gateway = createGatewayClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.SGW_API_KEY! });
const { data: created, error } = await gateway.POST('/v1/sub-users', {
  body: { provider: 'proxyhat', name: 'customer-42', trafficLimit: '5GB', metadata: { customerId: 'c-42' } },
});
if (error) throw new Error(`${error.code}: ${error.detail}`); // a typed problem+json body
const { data: page } = await gateway.GET('/v1/sub-users', { params: { query: { metadata: { customerId: 'c-42' } } } });
const { data: login } = await gateway.GET('/v1/sub-users/{id}/credentials', { params: { path: { id: created.id } } });
console.log(created.proxyPassword, page?.items.length, login?.proxyUrls[0]);
}
