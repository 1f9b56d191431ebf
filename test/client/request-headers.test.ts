// The default transport hands node:http its request headers as a flat list (src/internal/request-headers.ts),
// so it adds the Host and Authorization headers that Node adds to an object of headers itself.
import { request as httpRequest } from 'node:http';
import { Duplex } from 'node:stream';
import { basicAuthorization, hostHeader, rawRequestHeaders } from '../../src/internal/request-headers.js';
import { makeClient, REFRESH_TOKEN, startServer, TOKEN_BODY } from './support.js';

/** The Host and Authorization headers Node's own ClientRequest derives from an object of options. */
function nodeDerived(hostname: string, port: number | undefined, auth?: string) {
  const request = httpRequest({
    hostname,
    port,
    auth,
    agent: false,
    createConnection: () => new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() }),
  });
  request.on('error', () => undefined);
  const derived = { host: request.getHeader('host'), authorization: request.getHeader('authorization') };
  request.destroy();
  return derived;
}

describe('request headers of the default transport', () => {
  it.each([
    ['127.0.0.1', 8080],
    ['127.0.0.1', undefined],
    ['::1', 8080],
    ['::1', undefined],
    ['fe80::1:2', 3000],
    ['app.hellosign.com', undefined],
    ['gateway.example.test', 8443],
    ['', undefined],
  ])('the Host header for %p, port %p, is the one Node would send', (hostname, port) => {
    expect(hostHeader(hostname, port)).toBe(nodeDerived(hostname, port).host);
  });

  it('Authorization: Basic from URL credentials is the one Node would send', () => {
    const auth = 'user:pa ss:wörd';
    expect(basicAuthorization(auth)).toBe(nodeDerived('127.0.0.1', 8080, auth).authorization);
    expect(basicAuthorization(undefined)).toBeUndefined();
  });

  it('lists the given lower-case headers in order, then content-length, Host and Authorization', () => {
    const given = { 'content-type': 'application/json', 'content-length': '999', accept: 'application/json' };
    expect(rawRequestHeaders(given, '12', 'example.test:8443', 'Basic dTpw')).toEqual([
      'content-type',
      'application/json',
      'accept',
      'application/json',
      'content-length',
      '12',
      'Host',
      'example.test:8443',
      'Authorization',
      'Basic dTpw',
    ]);
  });

  it('keeps a given host or authorization instead of adding its own', () => {
    const given = { host: 'other.test', authorization: 'Bearer x' };
    expect(rawRequestHeaders(given, '0', 'example.test', 'Basic dTpw')).toEqual([
      'host',
      'other.test',
      'authorization',
      'Bearer x',
      'content-length',
      '0',
    ]);
  });

  it('gives up on a name that is not lower-case, so Node folds the case of duplicates itself', () => {
    const given = { Accept: 'text/plain', accept: 'application/json' };
    expect(rawRequestHeaders(given, '0', 'example.test', undefined)).toBeUndefined();
  });

  it('sends a refresh with the Host header, user agent and content length a server expects', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(TOKEN_BODY));
    });
    try {
      await makeClient(server.url).refresh(REFRESH_TOKEN);
      const [sent] = server.requests;
      expect(sent.headers.host).toBe(`127.0.0.1:${server.port}`);
      expect(sent.headers['content-length']).toBe(String(Buffer.byteLength(sent.body)));
      expect(sent.headers['content-type']).toBe('application/json');
      expect(sent.headers.accept).toBe('application/json');
      expect(sent.headers['user-agent']).toMatch(/^hellosign-oauth\//);
    } finally {
      await server.close();
    }
  });
  it('takes only own properties: a polluted Object.prototype adds no header to a token request', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-answer': 'yes' });
      response.end(JSON.stringify(TOKEN_BODY));
    });
    const prototype = Object.prototype as Record<string, unknown>;
    prototype['x-polluted'] = 'yes';
    try {
      const { headers } = await makeClient(server.url).refreshWithResponse(REFRESH_TOKEN);
      expect(server.requests[0].headers['x-polluted']).toBeUndefined();
      expect(rawRequestHeaders({ accept: 'application/json' }, '0', 'example.test', undefined)).toEqual([
        'accept',
        'application/json',
        'content-length',
        '0',
        'Host',
        'example.test',
      ]);
      // Response headers, read through the same kind of loop, hold only what the server sent.
      expect(headers['x-answer']).toBe('yes');
      expect(Object.hasOwn(headers, 'x-polluted')).toBe(false);
    } finally {
      delete prototype['x-polluted'];
      await server.close();
    }
  });
});
