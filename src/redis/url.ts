import { OAuthValidationError } from '../client/errors.js';

/** A Redis URL that node-redis will accept, and the password it carries (to scrub from errors). */
export interface RedisUrl {
  readonly url: string;
  readonly password: string | undefined;
}

const SCHEME = /^rediss?:\/\//;

function invalid(problem: string): OAuthValidationError {
  // The URL itself is never quoted: it may carry a password.
  return new OAuthValidationError(`url ${problem} (the URL is not shown: it may hold a password).`);
}

/**
 * Why `new URL` refused a `redis://` URL, found by plain scans of its host part (linear time).
 * Only the kind of problem is named: any part of the text could be a mistyped password.
 */
function diagnose(url: string): OAuthValidationError {
  const afterScheme = url.slice(url.indexOf('//') + 2);
  const authorityEnd = afterScheme.search(/[/?#]/);
  const authority = authorityEnd === -1 ? afterScheme : afterScheme.slice(0, authorityEnd);
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort === '') return invalid('has no host');
  if (hostPort.startsWith('[') && !hostPort.includes(']')) return invalid('has an IPv6 host without its closing "]"');
  const port = hostPort.startsWith('[') ? hostPort.slice(hostPort.indexOf(']') + 2) : hostPort.split(':')[1];
  if (port !== undefined && port !== '') {
    if (!/^\d+$/.test(port)) return invalid('has a port that is not a number');
    if (Number(port) > 65_535) return invalid('has a port out of range (it must be 1 to 65535)');
  }
  return invalid('is not a valid URL (check the host, the port and any percent-encoding)');
}

/**
 * Validates `url` as node-redis will read it, so that every mistake surfaces here as an
 * `OAuthValidationError` naming the problem, instead of the client's `TypeError` whose `input`
 * field holds the whole URL, password included.
 */
export function parseRedisUrl(url: unknown): RedisUrl {
  if (typeof url !== 'string' || !SCHEME.test(url)) {
    throw new OAuthValidationError('url must be a redis:// or rediss:// URL.');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw diagnose(url);
  }
  if (parsed.hostname === '') throw invalid('has no host');
  let password: string;
  try {
    decodeURIComponent(parsed.username);
    password = decodeURIComponent(parsed.password);
  } catch {
    throw invalid('has a username or password with a malformed percent-encoding');
  }
  if (parsed.pathname !== '' && parsed.pathname !== '/' && !/^\/\d+$/.test(parsed.pathname)) {
    throw invalid('has a path that is not a database number (/0, /1, …)');
  }
  return { url, password: password === '' ? undefined : password };
}
