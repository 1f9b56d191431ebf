import { inspect } from 'node:util';
import { OAuthClient, OAuthValidationError } from '../../src/index.js';
import { bypasses, parseNoProxy, resolveProxy } from '../../src/internal/proxy-env.js';

const PASSWORD = 'proxy-secret-4a8d0e1f';

function routed(env: Record<string, string>, url: string): string | undefined {
  return resolveProxy(undefined, env)?.proxyFor(new URL(url))?.href;
}

describe('NO_PROXY matching', () => {
  const cases: [rule: string, url: string, bypassed: boolean][] = [
    ['*', 'https://app.hellosign.com', true],
    ['hellosign.com', 'https://hellosign.com', true],
    ['hellosign.com', 'https://app.hellosign.com', true],
    ['hellosign.com', 'https://nothellosign.com', false],
    ['.hellosign.com', 'https://app.hellosign.com', true],
    ['.hellosign.com', 'https://hellosign.com', false],
    ['*.hellosign.com', 'https://app.hellosign.com', true],
    ['*.hellosign.com', 'https://hellosign.com', false],
    ['APP.HelloSign.com', 'https://app.hellosign.com', true],
    ['app.hellosign.com:443', 'https://app.hellosign.com', true],
    ['app.hellosign.com:8443', 'https://app.hellosign.com', false],
    ['app.hellosign.com:8443', 'https://app.hellosign.com:8443', true],
    ['127.0.0.1', 'http://127.0.0.1:8080', true],
    ['127.0.0.1:9', 'http://127.0.0.1:8080', false],
    ['10.0.0.0/8', 'https://10.20.30.40', true],
    ['10.0.0.0/8', 'https://11.0.0.1', false],
    ['[::1]', 'http://[::1]:3000', true],
    ['::1', 'http://[::1]:3000', true],
    ['[::1]:3001', 'http://[::1]:3000', false],
    ['example.com app.hellosign.com', 'https://app.hellosign.com', true],
    ['example.com,,  ,other.org', 'https://app.hellosign.com', false],
    ['', 'https://app.hellosign.com', false],
  ];
  it.each(cases)('NO_PROXY=%j and %s: bypassed %s', (rule, url, bypassed) => {
    expect(bypasses(parseNoProxy(rule), new URL(url))).toBe(bypassed);
  });

  it('skips entries it cannot read instead of failing', () => {
    expect(parseNoProxy('host:notaport, 10.0.0.0/99, 300.1.1.1/8')).toEqual([]);
  });

  it('reads a long list in linear time', () => {
    const rules = parseNoProxy(Array.from({ length: 50_000 }, (_, i) => `host${i}.example.com`).join(','));
    const started = performance.now();
    expect(bypasses(rules, new URL('https://app.hellosign.com'))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('which variable applies', () => {
  it('https: URLs use HTTPS_PROXY, http: URLs HTTP_PROXY', () => {
    const env = { HTTPS_PROXY: 'http://secure:1', HTTP_PROXY: 'http://plain:2' };
    expect(routed(env, 'https://app.hellosign.com')).toBe('http://secure:1');
    expect(routed(env, 'http://127.0.0.1:80')).toBe('http://plain:2');
  });

  it('HTTP_PROXY never captures https: traffic (a CGI "Proxy:" header sets it: httpoxy)', () => {
    expect(routed({ HTTP_PROXY: 'http://plain:2' }, 'https://app.hellosign.com')).toBeUndefined();
  });

  it('lower case wins, and a blank variable counts as unset', () => {
    expect(routed({ https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' }, 'https://a.b')).toBe(
      'http://lower:1',
    );
    expect(routed({ https_proxy: '  ', HTTPS_PROXY: 'http://upper:2' }, 'https://a.b')).toBe('http://upper:2');
    expect(routed({ no_proxy: 'a.b', NO_PROXY: 'other' }, 'https://a.b')).toBeUndefined();
  });

  it('a bare host:port is an http:// proxy, port 80 by default', () => {
    expect(routed({ HTTPS_PROXY: 'proxy.corp:3128' }, 'https://a.b')).toBe('http://proxy.corp:3128');
    expect(resolveProxy('http://proxy.corp', undefined)?.proxyFor(new URL('https://a.b'))?.port).toBe(80);
  });

  it('no variable set means no proxy settings at all: the direct path', () => {
    expect(resolveProxy(undefined, { NO_PROXY: '*' })).toBeUndefined();
    expect(resolveProxy(false, { HTTPS_PROXY: 'http://p:1' })).toBeUndefined();
  });

  it('credentials become a Proxy-Authorization header and are never rendered', () => {
    const endpoint = resolveProxy(`http://user:${encodeURIComponent(PASSWORD)}@p:1`, undefined)?.proxyFor(
      new URL('https://a.b'),
    );
    expect(endpoint?.authorization).toBe(`Basic ${Buffer.from(`user:${PASSWORD}`).toString('base64')}`);
    for (const text of [inspect(endpoint, { showHidden: true }), JSON.stringify(endpoint), String(endpoint?.href)]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(endpoint?.authorization);
    }
  });
});

describe('bad proxy settings fail at construction, naming the source but not the value', () => {
  const withEnv = (env: Record<string, string>, run: () => void) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      run();
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  };
  const options = { clientId: 'id', clientSecret: 'secret-value' };

  it.each([
    ['socks5', `socks5://user:${PASSWORD}@proxy:1080`],
    ['https', `https://user:${PASSWORD}@proxy:443`],
    ['a path', `http://user:${PASSWORD}@proxy:3128/path`],
    ['garbage', `http://user:${PASSWORD}@[bad`],
  ])('HTTPS_PROXY with %s', (_, value) => {
    withEnv({ HTTPS_PROXY: value }, () => {
      let error: unknown;
      try {
        new OAuthClient(options);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(OAuthValidationError);
      expect((error as Error).message).toContain('HTTPS_PROXY');
      expect(inspect(error)).not.toContain(PASSWORD);
    });
  });

  it('the proxy option: a URL or false, and never beside a custom fetch', () => {
    expect(() => new OAuthClient({ ...options, proxy: 42 as never })).toThrow(OAuthValidationError);
    expect(() => new OAuthClient({ ...options, proxy: 'ftp://proxy:21' })).toThrow('The proxy option');
    expect(() => new OAuthClient({ ...options, proxy: 'http://p:1', fetch: globalThis.fetch })).toThrow(
      'proxy applies to the default transport only',
    );
  });

  it('a custom fetch ignores the proxy variables (it has its own proxy settings)', () => {
    withEnv({ HTTPS_PROXY: 'socks5://proxy:1080' }, () => {
      expect(() => new OAuthClient({ ...options, fetch: globalThis.fetch })).not.toThrow();
    });
  });
});
