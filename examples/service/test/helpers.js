// A browser in miniature for the tests: keeps cookies per host and follows redirects one hop at a
// time, so a test can stop at the consent redirect or replay a callback URL.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** Parses Set-Cookie headers into name → { value, attributes } (lower-case attribute names). */
export function parseSetCookies(response) {
  const cookies = {};
  for (const header of response.headers.getSetCookie()) {
    const [pair, ...attributes] = header.split(';').map((part) => part.trim());
    const at = pair.indexOf('=');
    const parsed = { value: decodeURIComponent(pair.slice(at + 1)), attributes: {} };
    for (const attribute of attributes) {
      const [name, ...rest] = attribute.split('=');
      parsed.attributes[name.toLowerCase()] = rest.length ? rest.join('=') : true;
    }
    cookies[pair.slice(0, at)] = parsed;
  }
  return cookies;
}

/** A cookie jar (ignoring paths, which these tests do not need) and a manual redirect walker. */
export class Browser {
  #jar = new Map();

  /** One request, no redirect followed; cookies are sent and kept as a browser would. */
  async request(url, init = {}) {
    const { host } = new URL(url);
    const cookies = this.#jar.get(host) ?? new Map();
    const headers = new Headers(init.headers);
    if (cookies.size) headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const [name, cookie] of Object.entries(parseSetCookies(response))) {
      const expired = cookie.attributes['max-age'] === '0' || cookie.attributes.expires?.includes('1970');
      if (expired || cookie.value === '') cookies.delete(name);
      else cookies.set(name, encodeURIComponent(cookie.value));
    }
    this.#jar.set(host, cookies);
    return response;
  }

  /** Follows redirects until a page answers; returns it with the URLs visited on the way. */
  async visit(url, init = {}) {
    const visited = [url];
    let response = await this.request(url, init);
    while (response.status >= 300 && response.status < 400) {
      const next = new URL(response.headers.get('location'), visited.at(-1)).toString();
      await response.arrayBuffer();
      visited.push(next);
      if (visited.length > 10) throw new Error('Too many redirects.');
      response = await this.request(next);
    }
    return { response, visited, html: await response.text() };
  }

  /** Puts a cookie in the jar, as a script or a sibling site might plant one. */
  setCookie(url, name, value) {
    const { host } = new URL(url);
    const cookies = this.#jar.get(host) ?? new Map();
    cookies.set(name, encodeURIComponent(value));
    this.#jar.set(host, cookies);
  }

  /** The value of a cookie the browser holds for the host of `url`. */
  cookie(url, name) {
    const value = this.#jar.get(new URL(url).host)?.get(name);
    return value === undefined ? undefined : decodeURIComponent(value);
  }
}

/** A clock the tests move forward, shared by the mock server and the client. */
export function fakeClock() {
  let offset = 0;
  const now = () => Date.now() + offset;
  now.advance = (ms) => {
    offset += ms;
  };
  return now;
}

/** The grant key the service keeps under the session a signed session cookie (`<id>.<signature>`) names. */
export function grantKeyOf(signedSession) {
  return `user:${signedSession.slice(0, signedSession.lastIndexOf('.'))}`;
}

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/**
 * A Redis for the store test: the one at REDIS_URL when set (CI starts one), otherwise a throwaway
 * `redis-server` on a free port (the Debian package redis-server).
 */
export async function redisForTest() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const spawnFailed = once(child, 'error').then(([err]) => {
    throw new Error(`This test needs redis-server (apt-get install redis-server) or REDIS_URL: ${err.message}`);
  });
  const ready = new Promise((resolve) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen = (seen + chunk).slice(-4096);
      if (seen.includes('Ready to accept connections')) resolve();
    });
  });
  let timer;
  const tooSlow = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s.')), 10_000);
  });
  try {
    await Promise.race([ready, spawnFailed, tooSlow]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(timer);
  }
  child.stdout.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}
