import { EVENT_TYPES } from '../events/event-types';

/** The event types as a Markdown table, for Swagger. */
export const EVENT_TYPES_TABLE = [
  '| type | when |',
  '|---|---|',
  ...Object.entries(EVENT_TYPES).map(([type, meaning]) => `| \`${type}\` | ${meaning} |`),
].join('\n');

/**
 * How deliveries are signed and how to check them (Standard Webhooks,
 * https://www.standardwebhooks.com), for Swagger.
 */
export const SIGNATURE_SCHEME = `Every delivery is a \`POST\` of the event JSON (the same object \`GET /v1/events\` lists) with the three headers of the [Standard Webhooks](https://www.standardwebhooks.com) specification:

| header | value |
|---|---|
| \`webhook-id\` | the event id: the same on every attempt, so a receiver can drop repeats (delivery is at least once) |
| \`webhook-timestamp\` | the attempt's time, Unix seconds (reject messages older than a few minutes) |
| \`webhook-signature\` | \`v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">\`, keyed with the base64-decoded part of the secret after \`whsec_\`; for 24 hours after a rotation two signatures, space-separated (new and previous secret) |

A 2xx answer within 10 s is success; anything else is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then daily for 3 days. An endpoint failing for 3 days is disabled (\`webhook-endpoint.disabled\`). Events of one sub-user reach an endpoint in the order they happened.

Verify with any Standard Webhooks library, e.g. in Node.js (\`npm install standardwebhooks\`), on the raw body:

\`\`\`js
const { Webhook } = require('standardwebhooks');
const wh = new Webhook(process.env.WEBHOOK_SECRET); // "whsec_..."
// throws unless a signature matches and the timestamp is within 5 minutes
const event = wh.verify(rawBody, {
  'webhook-id': req.headers['webhook-id'],
  'webhook-timestamp': req.headers['webhook-timestamp'],
  'webhook-signature': req.headers['webhook-signature'],
});
\`\`\`

or by hand:

\`\`\`js
const crypto = require('node:crypto');
const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
const expected = crypto.createHmac('sha256', key).update(\`\${id}.\${timestamp}.\${rawBody}\`).digest('base64');
const valid = signatureHeader.split(' ').some((sig) => sig === \`v1,\${expected}\`); // compare in constant time in production
\`\`\``;

/** The Swagger tags of the events feed and the webhook endpoints. */
export const EVENT_TAGS = [
  {
    name: 'events',
    description:
      'What changed, newest first: every recorded change of a sub-user, provider account, job or webhook endpoint, as webhooks deliver it',
  },
  {
    name: 'webhooks',
    description:
      'Endpoints that receive events as signed POSTs (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`), delivered at least once with persisted retries and a delivery log',
  },
];
