// SPDX-License-Identifier: Apache-2.0
// An ordinary Node.js HTTPS client: nothing in it knows about hostpin.
// usage: node node_get.js PORT CAFILE NAME [HOLD_SECONDS]
// GET https://NAME/ from 127.0.0.1:PORT trusting CAFILE; prints the
// status and exits 0, or prints the error and exits 1.  With
// HOLD_SECONDS, stays running that long after the answer (a long-running
// client for `hostpin ps`).
'use strict';
const fs = require('fs');
const https = require('https');

const [port, cafile, name, hold] = process.argv.slice(2);
const req = https.get({ host: '127.0.0.1', port: Number(port), servername: name,
                        headers: { host: name }, ca: fs.readFileSync(cafile),
                        path: '/', timeout: 10000 }, (res) => {
    console.log(`status ${res.statusCode}`);
    res.resume();
    if (hold)
        setTimeout(() => process.exit(0), Number(hold) * 1000);
    else
        process.exit(0);
});
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (e) => {
    console.error(`node error: ${e.code}: ${e.message}`);
    process.exit(1);
});
