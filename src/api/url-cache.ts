/** How many parsed URLs are kept; past it the cache starts over (API paths repeat: `/account`, …). */
const MAX_URLS = 128;
/** Longer paths (a long query, say) are parsed each time rather than kept: the cache stays small. */
const MAX_PATH_LENGTH = 256;
/** By base, then by path: both keys are usually strings whose hash V8 has already computed. */
const parsed = new Map<string, Map<string, URL>>();
let count = 0;

/**
 * `new URL(join(base, path))`, reusing the URL parsed for the same base and path earlier (parsing
 * is most of the cost of resolving a path on each call). The URL is shared: callers must only read
 * it, never change it or hand it out. Throws what `join` or `new URL` throws.
 */
export function sharedUrl(base: string, path: string, join: (base: string, path: string) => string): URL {
  if (path.length > MAX_PATH_LENGTH) return new URL(join(base, path));
  let paths = parsed.get(base);
  let url = paths?.get(path);
  if (url === undefined) {
    url = new URL(join(base, path));
    if (count >= MAX_URLS) {
      parsed.clear();
      count = 0;
      paths = undefined;
    }
    if (paths === undefined) {
      paths = new Map();
      parsed.set(base, paths);
    }
    paths.set(path, url);
    count++;
  }
  return url;
}
