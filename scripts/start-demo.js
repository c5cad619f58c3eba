#!/usr/bin/env node
// `npm start`: the gateway in demo mode — the provider sandbox in-process (SANDBOX=true unless
// set), the embedded database in ./data/pglite, Swagger UI at http://localhost:3000/docs.
const path = require('node:path');
process.env.SANDBOX ??= 'true';
process.env.NODE_ENV ??= 'development';
require(path.resolve(__dirname, '../dist/apps/gateway/apps/gateway/src/main.js'));
