/**
 * The request headers of the default transport as the flat `[name, value, …]` list `http.request`
 * takes. Given a list, Node writes it as it is, still validating each name and value, instead of
 * copying it header by header into its own store (`setHeader`) and reading that back, which cost
 * about 5 % of a refresh over loopback (docs/benchmarks.md). What Node would add to an object of
 * headers, it adds here the same way: `Host` (IPv6 in brackets, a non-default port) and, for a URL
 * with credentials, `Authorization: Basic`, each only when not given.
 */

/** The `Host` header Node's ClientRequest derives from a URL's hostname (brackets already removed) and port. */
export function hostHeader(hostname: string, port: number | undefined): string {
  const host = hostname === '' ? 'localhost' : hostname;
  // As Node does: an IPv6 address (two colons or more) goes in brackets.
  const bracketed = host.indexOf(':') !== host.lastIndexOf(':') && host[0] !== '[' ? `[${host}]` : host;
  // A URL drops its scheme's default port, so a port that is there is one to send.
  return port === undefined ? bracketed : `${bracketed}:${port}`;
}

/** `Authorization: Basic` for a URL's `user:password`, as Node's ClientRequest builds it from `auth`. */
export function basicAuthorization(auth: string | undefined): string | undefined {
  return auth === undefined ? undefined : `Basic ${Buffer.from(auth).toString('base64')}`;
}

/**
 * The flat header list for one request, or undefined when a given name is not lower-case: then the
 * caller hands Node an object, whose `setHeader` folds names differing only in case into one.
 */
export function rawRequestHeaders(
  given: Readonly<Record<string, string>> | undefined,
  contentLength: string,
  host: string,
  authorization: string | undefined,
): string[] | undefined {
  const raw: string[] = [];
  let hasHost = false;
  let hasAuthorization = false;
  for (const name in given) {
    // Own properties only, as Node takes them from an object: a polluted Object.prototype adds nothing.
    if (!Object.hasOwn(given, name)) continue;
    if (name !== name.toLowerCase()) return undefined;
    // Ours wins, as when it overwrote the given one in an object.
    if (name === 'content-length') continue;
    if (name === 'host') hasHost = true;
    else if (name === 'authorization') hasAuthorization = true;
    raw.push(name, given[name]);
  }
  raw.push('content-length', contentLength);
  if (!hasHost) raw.push('Host', host);
  if (authorization !== undefined && !hasAuthorization) raw.push('Authorization', authorization);
  return raw;
}
