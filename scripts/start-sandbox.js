#!/usr/bin/env node
// `npm run start:sandbox [-- --seed-webshare N --seed-proxyhat N]`: the provider sandbox alone.
const path = require('node:path');
require(path.resolve(__dirname, '../dist/apps/sandbox/main.js'));
