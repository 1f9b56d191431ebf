/** What a secret is replaced with wherever text might reach a person. */
export const REDACTED = '[redacted]';

/** Shows only the first four characters of a token, enough to tell two tokens apart in a log. */
export function maskToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  return token.length <= 8 ? REDACTED : `${token.slice(0, 4)}…${REDACTED}`;
}

/**
 * Removes every occurrence of the given secrets from `text`. Servers and proxies sometimes echo a
 * request back in an error body, so any server text is scrubbed before it becomes a message.
 */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would scrub ordinary words; no real secret of this API is that short.
    // `includes` first: almost no text holds a secret, and split/join would copy it anyway.
    if (secret && secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** `scrub` over every header value: a proxy or a server may echo a request field into a header. */
export function scrubHeaders(
  headers: Readonly<Record<string, string>>,
  secrets: readonly (string | undefined)[],
): Record<string, string> {
  const out: Record<string, string> = {};
  // for…in over the record's own keys (headersToRecord builds a plain object): no entry arrays.
  for (const name in headers) if (Object.hasOwn(headers, name)) out[name] = scrub(headers[name], secrets);
  return out;
}
