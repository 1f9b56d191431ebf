// A stand-in for the Dropbox Sign token endpoint, on an ephemeral loopback port. Shared by the
// consumer projects (copied into each), so it is plain CommonJS with a hand-written .d.cts.
'use strict';
const { createServer } = require('node:http');

/** Answers `POST /oauth/token` (code exchange) and `POST /oauth/token?refresh`, and records each request. */
async function startTokenServer() {
  const requests = [];
  let issued = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      requests.push({ method: req.method, url: req.url, userAgent: req.headers['user-agent'], body });
      const reply = (status, payload) => {
        res.writeHead(status, {
          'content-type': 'application/json',
          'x-ratelimit-limit': '100',
          'x-ratelimit-remaining': '99',
          'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60),
        });
        res.end(JSON.stringify(payload));
      };
      issued += 1;
      if (req.method === 'POST' && req.url === '/oauth/token' && body.grant_type === 'authorization_code') {
        reply(200, {
          access_token: `access-${issued}`,
          token_type: 'Bearer',
          refresh_token: 'refresh-1',
          expires_in: 86400,
          state: body.state,
        });
      } else if (req.method === 'POST' && req.url === '/oauth/token?refresh' && body.refresh_token === 'refresh-1') {
        reply(200, {
          access_token: `access-${issued}`,
          token_type: 'Bearer',
          refresh_token: 'refresh-2',
          expires_in: 3600,
        });
      } else {
        reply(400, { error: 'invalid_grant', error_description: 'The refresh token is invalid.' });
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

exports.startTokenServer = startTokenServer;
