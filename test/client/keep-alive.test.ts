import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { IDLE_SOCKET_TIMEOUT_MS } from '../../src/internal/keep-alive.js';
import { waitUntil } from '../support.js';
import { CODE, makeClient, STATE, TOKEN_BODY } from './support.js';

/** Node's and Apache's idle timeout: the shortest a server commonly applies without announcing it. */
const SHORTEST_COMMON_SERVER_IDLE_MS = 5_000;

let server: Server;
afterEach(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

/** A token endpoint that keeps connections open and, like nginx or a load balancer, announces no idle timeout. */
async function silentKeepAliveServer(): Promise<{ url: string; closedAt: Map<Socket, number>; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const closedAt = new Map<Socket, number>();
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(TOKEN_BODY));
  });
  // 0: never close an idle connection, and send no `Keep-Alive: timeout=` hint.
  server.keepAliveTimeout = 0;
  server.on('connection', (socket: Socket) => {
    sockets.push(socket);
    socket.once('close', () => closedAt.set(socket, performance.now()));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, closedAt, sockets };
}

describe('the default transport', () => {
  it('retires an idle pooled socket before a server would close it', async () => {
    expect(IDLE_SOCKET_TIMEOUT_MS).toBeLessThan(SHORTEST_COMMON_SERVER_IDLE_MS);
    const { url, closedAt, sockets } = await silentKeepAliveServer();
    const client = makeClient(url);

    await client.exchangeCode({ code: CODE, state: STATE });
    await client.exchangeCode({ code: CODE, state: STATE });
    const idleSince = performance.now();
    // Pooled: both requests shared one connection, which the client now holds open, idle.
    expect(sockets).toHaveLength(1);

    await waitUntil(() => closedAt.size === 1, SHORTEST_COMMON_SERVER_IDLE_MS, 'the client to close the idle socket');
    const idleFor = (closedAt.get(sockets[0] as Socket) as number) - idleSince;
    expect(idleFor).toBeGreaterThanOrEqual(IDLE_SOCKET_TIMEOUT_MS - 100);
    expect(idleFor).toBeLessThan(SHORTEST_COMMON_SERVER_IDLE_MS);

    // The next call opens a fresh connection rather than writing into a closed one.
    await client.exchangeCode({ code: CODE, state: STATE });
    expect(sockets).toHaveLength(2);
  });
});
