import { createServer } from 'node:http';

/** The body every bench refresh gets back: the official example response. */
export const TOKEN_BODY = JSON.stringify({
  access_token: 'MDZhYzBlMGI1YzQ0ZjI1ZjYzYmUyNmMzZWQ5ZGNmOGYyNmQxMmMyMmQ2NmNiY2M3NW=',
  expires_in: 86400,
  refresh_token: 'hNTI2MTFmM2VmZDQxZTZjOWRmZmFjZmVmMGMyNGFjMzI2MGI5YzgzNmE3',
  token_type: 'Bearer',
});

/**
 * A loopback token endpoint that reads the whole request and answers 200 with a fixed token body,
 * so every contender pays for the same server work. Port 0: other processes may hold fixed ports.
 */
export async function startTokenServer() {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(TOKEN_BODY),
      });
      response.end(TOKEN_BODY);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}
