import { scrub } from './redact.js';

// Server text is hostile input: every function here is one forward scan (no regular expression
// that can backtrack), and text is cut to what can be shown before it is scrubbed or folded.

/** The most characters of server text an error `message` or `description` carries. */
export const MAX_MESSAGE_LENGTH = 4096;

/** Whitespace (as `\s` means it) and control characters: one run of them reads as one space. */
function isBlank(code: number): boolean {
  return (
    code <= 0x20 ||
    (code >= 0x7f && code <= 0xa0) ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** The readable text of an HTML page, at most `limit` characters of it, and whether that is all of it. */
export function visibleText(html: string, limit: number): { text: string; complete: boolean } {
  let text = '';
  let space = false;
  // Once no `>` follows, no later `<` opens a tag: remembering that keeps a body of `<<<…` linear.
  let closers = true;
  for (let i = 0; i < html.length; i++) {
    const code = html.charCodeAt(i);
    if (code === 0x3c && closers) {
      const end = html.indexOf('>', i + 1);
      if (end !== -1) {
        space = true;
        i = end;
        continue;
      }
      closers = false;
    }
    if (isBlank(code)) {
      space = true;
      continue;
    }
    if (space && text !== '') text += ' ';
    space = false;
    if (text.length >= limit) return { text: text.slice(0, limit), complete: false };
    text += html[i];
  }
  return { text, complete: true };
}

/** `text` on one line: every run of whitespace or control characters becomes one space. */
export function oneLine(text: string): string {
  let out = '';
  let space = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isBlank(code)) {
      space = true;
      continue;
    }
    if (space && out !== '') out += ' ';
    space = false;
    out += text[i];
  }
  return out;
}

/** The length of the longest secret: how far past a cut a secret can reach. */
export function longestSecret(secrets: readonly (string | undefined)[]): number {
  let longest = 0;
  for (const secret of secrets) if (secret && secret.length > longest) longest = secret.length;
  return longest;
}

/**
 * How many characters at the end of `text` are the start of `secret` (not all of it: a whole
 * secret is left for `scrub`). One Knuth-Morris-Pratt pass over the last `secret.length`
 * characters: a server also chooses the refresh token, and trying each prefix in turn was
 * quadratic in its length.
 */
function partialSecretAtEnd(text: string, secret: string): number {
  const fallback = new Int32Array(secret.length);
  for (let i = 1, k = 0; i < secret.length; i++) {
    while (k > 0 && secret[i] !== secret[k]) k = fallback[k - 1] as number;
    if (secret[i] === secret[k]) k++;
    fallback[i] = k;
  }
  let matched = 0;
  for (let i = Math.max(0, text.length - secret.length); i < text.length; i++) {
    while (matched > 0 && text[i] !== secret[matched]) matched = fallback[matched - 1] as number;
    if (text[i] === secret[matched]) matched++;
  }
  return matched === secret.length ? 0 : matched;
}

/**
 * `text` without a trailing start of a secret: where a cut went through a secret, `scrub` no longer
 * recognises the part that is left, so that part goes too.
 */
function withoutPartialSecret(text: string, secrets: readonly (string | undefined)[]): string {
  let cut = 0;
  for (const secret of secrets) {
    // Values `scrub` ignores are ignored here too.
    if (!secret || secret.length < 4) continue;
    cut = Math.max(cut, partialSecretAtEnd(text, secret));
  }
  return text.slice(0, text.length - cut);
}

/**
 * At most `maxLength` characters of `text`, scrubbed of `secrets`, with `marker` appended when
 * anything was left out. Cuts first (to what can still be shown plus the longest secret, so no
 * secret straddles the cut unnoticed), then scrubs. `complete: false` says `text` itself was
 * already cut from something longer.
 */
export function scrubbedPrefix(
  text: string,
  secrets: readonly (string | undefined)[],
  maxLength: number,
  marker: string,
  complete = true,
): string {
  const window = maxLength + longestSecret(secrets);
  const whole = complete && text.length <= window;
  const clean = scrub(whole ? text : withoutPartialSecret(text.slice(0, window), secrets), secrets);
  if (whole && clean.length <= maxLength) return clean;
  return `${clean.slice(0, maxLength)}${marker}`;
}

/** The marker for a message cut to `MAX_MESSAGE_LENGTH`, saying how much of the original is gone. */
export function cutMarker(originalLength: number): string {
  return ` […cut: ${originalLength} characters in all]`;
}

/** Server text bounded for a `message` or `description`: scrubbed, then cut with a marker. */
export function boundedServerText(text: string, secrets: readonly (string | undefined)[], maxLength: number): string {
  return scrubbedPrefix(text, secrets, maxLength, cutMarker(text.length));
}
