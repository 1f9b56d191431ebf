import type { FetchLike } from '../transport.js';

let cached: Promise<FetchLike> | undefined;

/**
 * node-fetch 2 over keep-alive agents: on Node it is faster per call than global fetch (undici)
 * and than axios (see bench/). Loaded on first use, together with `node:http`/`node:https`
 * (TLS alone costs more start-up than the rest of this package), because a service that passes
 * its own `fetch` never needs them.
 */
export function defaultFetch(): Promise<FetchLike> {
  cached ??= Promise.all([import('node-fetch'), import('node:http'), import('node:https')]).then(
    ([module, http, https]) => {
      const nodeFetch = (module.default ?? module) as unknown as (url: string, init: object) => Promise<never>;
      const httpAgent = new http.Agent({ keepAlive: true });
      const httpsAgent = new https.Agent({ keepAlive: true });
      const agent = (url: URL) => (url.protocol === 'http:' ? httpAgent : httpsAgent);
      return (url, init) => nodeFetch(url, { ...init, agent });
    },
  );
  return cached;
}
