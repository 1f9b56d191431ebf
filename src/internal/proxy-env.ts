import { OAuthValidationError } from '../client/errors.js';
import { base64 } from './runtime.js';

/** Where a proxied request goes: the proxy's address, and its credentials kept out of every rendering. */
export class ProxyEndpoint {
  /** `http://host:port`: the proxy as it may appear in an error or an event, never with credentials. */
  readonly href: string;
  readonly hostname: string;
  readonly port: number;
  readonly #authorization: string | undefined;

  constructor(url: URL) {
    this.hostname = url.hostname.replace(/^\[|\]$/g, '');
    this.port = url.port === '' ? 80 : Number(url.port);
    this.href = `${url.protocol}//${url.host}`;
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    this.#authorization =
      user || password ? `Basic ${base64(new TextEncoder().encode(`${user}:${password}`))}` : undefined;
  }

  /** The `Proxy-Authorization` value for the URL's credentials, if it had any. */
  get authorization(): string | undefined {
    return this.#authorization;
  }

  toJSON(): string {
    return this.href;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ProxyEndpoint(${this.href})`;
  }
}

/** One `NO_PROXY` entry, parsed once. */
type BypassRule =
  | { kind: 'all' }
  | { kind: 'domain'; name: string; subdomainsOnly: boolean; port?: string }
  | { kind: 'ipv4-range'; network: number; mask: number; port?: string }
  | { kind: 'ip'; address: string; port?: string };

/** Which proxy, if any, a request to a URL goes through. */
export interface ProxySettings {
  /** The proxy for `target`, or `undefined` when the request goes direct. */
  proxyFor(target: URL): ProxyEndpoint | undefined;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Parses a proxy URL. A bare `host:port` means `http://host:port`, as curl reads it. Only `http:`
 * proxies are supported (HTTPS still goes through them end to end, in a CONNECT tunnel). The
 * error names where the value came from, never the value: it may hold a password.
 */
export function parseProxyUrl(value: string, source: string): ProxyEndpoint {
  let url: URL;
  try {
    url = new URL(SCHEME.test(value) ? value : `http://${value}`);
  } catch {
    throw new OAuthValidationError(`${source} is not a valid proxy URL.`);
  }
  if (url.protocol !== 'http:') {
    throw new OAuthValidationError(`${source} must be an http:// proxy URL (HTTPS is tunnelled through it).`);
  }
  if (url.hostname === '' || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new OAuthValidationError(`${source} must be a proxy URL of the form http://[user:password@]host[:port].`);
  }
  return new ProxyEndpoint(url);
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** Splits `host:port` (or `[v6]:port`); a bare IPv6 address has no port. */
function splitPort(entry: string): { host: string; port?: string } {
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    const rest = entry.slice(close + 1);
    return { host: entry.slice(1, close), port: rest.startsWith(':') ? rest.slice(1) : undefined };
  }
  const colon = entry.indexOf(':');
  if (colon === -1 || colon !== entry.lastIndexOf(':')) return { host: entry };
  return { host: entry.slice(0, colon), port: entry.slice(colon + 1) };
}

/**
 * Reads `NO_PROXY` as curl and Go do: entries split on commas or spaces, case-insensitive; `*`
 * bypasses every host; `example.com` matches it and its subdomains, `.example.com` and
 * `*.example.com` only subdomains; an IP address matches itself, `10.0.0.0/8` a v4 range; a
 * `:port` suffix limits the entry to that port. Unparsable entries are skipped, as curl does.
 */
export function parseNoProxy(value: string): BypassRule[] {
  const rules: BypassRule[] = [];
  for (const raw of value.toLowerCase().split(/[\s,]+/)) {
    if (raw === '') continue;
    if (raw === '*') {
      rules.push({ kind: 'all' });
      continue;
    }
    const slash = raw.indexOf('/');
    if (slash !== -1) {
      const network = ipv4(raw.slice(0, slash));
      const bits = raw.slice(slash + 1);
      if (network !== undefined && /^\d{1,2}$/.test(bits) && Number(bits) <= 32) {
        const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
        rules.push({ kind: 'ipv4-range', network: (network & mask) >>> 0, mask });
      }
      continue;
    }
    const { host, port } = splitPort(raw);
    if (port !== undefined && !/^\d{1,5}$/.test(port)) continue;
    if (host.includes(':') || ipv4(host) !== undefined) {
      rules.push({ kind: 'ip', address: host, port });
      continue;
    }
    const subdomainsOnly = host.startsWith('.') || host.startsWith('*.');
    const name = host.replace(/^\*?\.+/, '');
    if (name !== '') rules.push({ kind: 'domain', name, subdomainsOnly, port });
  }
  return rules;
}

function defaultPort(target: URL): string {
  return target.port || (target.protocol === 'https:' ? '443' : '80');
}

/** True when a request to `target` must bypass the proxy under `rules`. */
export function bypasses(rules: readonly BypassRule[], target: URL): boolean {
  const host = target.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  const port = defaultPort(target);
  const address = ipv4(host);
  for (const rule of rules) {
    if (rule.kind === 'all') return true;
    if (rule.kind === 'ipv4-range') {
      if (address !== undefined && (address & rule.mask) >>> 0 === rule.network) return true;
      continue;
    }
    if (rule.port !== undefined && rule.port !== port) continue;
    if (rule.kind === 'ip') {
      if (host === rule.address) return true;
    } else if (host.endsWith(`.${rule.name}`) || (!rule.subdomainsOnly && host === rule.name)) {
      return true;
    }
  }
  return false;
}

/**
 * The first variable of `names` that is set and not blank, with its name. A variable the process
 * may not read (Deno without `--allow-env` throws) counts as unset: pass `proxy` to be explicit.
 */
function firstSet(env: Record<string, string | undefined>, names: string[]): [string, string] | undefined {
  for (const name of names) {
    let value: string | undefined;
    try {
      value = env[name]?.trim();
    } catch {
      value = undefined;
    }
    if (value) return [name, value];
  }
  return undefined;
}

/**
 * The proxy rules for the default transport. `option` (the client's `proxy`) wins: a URL sends
 * every request through that proxy, `false` sends every request direct. Without it the
 * environment decides: `https_proxy`/`HTTPS_PROXY` for https: URLs, `http_proxy`/`HTTP_PROXY`
 * for http: URLs (never for https:, so a CGI-injected `HTTP_PROXY` cannot capture token traffic),
 * both minus `no_proxy`/`NO_PROXY`; lower case wins, as in curl. `undefined` means "no proxy at
 * all", the path that costs nothing per request.
 */
export function resolveProxy(
  option: string | false | undefined,
  env: Record<string, string | undefined> | undefined,
): ProxySettings | undefined {
  if (option === false) return undefined;
  if (option !== undefined) {
    const endpoint = parseProxyUrl(option, 'The proxy option');
    return { proxyFor: () => endpoint };
  }
  if (!env) return undefined;
  const https = firstSet(env, ['https_proxy', 'HTTPS_PROXY']);
  const http = firstSet(env, ['http_proxy', 'HTTP_PROXY']);
  if (!https && !http) return undefined;
  const endpoints: Record<string, ProxyEndpoint | undefined> = {
    'https:': https && parseProxyUrl(https[1], https[0]),
    'http:': http && parseProxyUrl(http[1], http[0]),
  };
  const rules = parseNoProxy(firstSet(env, ['no_proxy', 'NO_PROXY'])?.[1] ?? '');
  return {
    proxyFor(target) {
      const endpoint = endpoints[target.protocol];
      return endpoint && !bypasses(rules, target) ? endpoint : undefined;
    },
  };
}
