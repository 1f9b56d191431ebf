// The fetch contract on its own: the transport, the default fetch and the proxy tunnel all speak it,
// and none of them should have to import another to name it.

/** The subset of the Fetch API this package needs; global `fetch` and node-fetch both fit. */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponseLike>;

/** What the client passes to a `FetchLike`: keep all of it when you wrap `fetch` (see Proxies). */
export interface FetchInit {
  /** The HTTP method, `POST`. */
  method?: string;
  /** Request headers, lower-case names, user agent included. */
  headers?: Record<string, string>;
  /** The JSON request body. */
  body?: string;
  /** Fires on the per-attempt timeout or the caller's abort. */
  signal?: AbortSignal;
  /** Redirects are never followed: a 3xx is an `OAuthApiError`. */
  redirect?: 'manual';
}

/** The part of a Fetch `Response` the client reads. */
export interface FetchResponseLike {
  /** The HTTP status. */
  status: number;
  /** The response headers. */
  headers: { get(name: string): string | null; forEach(callback: (value: string, name: string) => void): void };
  /** The body as a stream (web or Node), read with a size cap when present. */
  body?: unknown;
  /** The whole body as text, used when no stream is exposed. */
  text(): Promise<string>;
}
