import type { Agent, IncomingMessage } from 'node:http';
import type { AttemptAbort } from './attempt-abort.js';
import type { FetchInit, FetchLike, FetchResponseLike } from './fetch-types.js';
import { KEEP_ALIVE_AGENT_OPTIONS } from './keep-alive.js';
import { NodeHeaders } from './node-headers.js';
import { basicAuthorization, hostHeader, rawRequestHeaders } from './request-headers.js';

type DefaultSend = (url: string, init: FetchInit, attemptAbort?: AttemptAbort) => Promise<FetchResponseLike>;

let cached: Promise<DefaultSend> | undefined;
/** What `cached` resolved to, once it has. */
let loaded: DefaultSend | undefined;

/** The response side of a `node:http` request, shaped as the subset of Fetch the transport reads. */
export class NodeResponse implements FetchResponseLike {
  readonly status: number;
  readonly headers: FetchResponseLike['headers'];

  constructor(readonly body: IncomingMessage) {
    this.status = body.statusCode ?? 0;
    this.headers = new NodeHeaders(body.headers);
  }

  /**
   * Events, not `for await`: the async iterator costs a few percent per call on a small body. A
   * stream that closes before `end` (a reset, an abort) rejects instead of leaving the read hanging.
   */
  text(): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let ended = false;
      this.body.on('data', (chunk: Buffer) => chunks.push(chunk));
      this.body.once('end', () => {
        ended = true;
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      this.body.once('error', reject);
      // Every body closes, also after `end`; build the error (a stack capture) only when it is one.
      this.body.once('close', () => {
        if (!ended) reject(new Error('The response closed before its body ended.'));
      });
    });
  }
}

/** Where a request goes, from Node's own URL-to-options mapping (IPv6 brackets, port, path and query). */
interface Target {
  readonly protocol: string;
  readonly hostname: string | undefined;
  readonly port: number | undefined;
  readonly path: string;
  readonly auth: string | undefined;
  /** The `Host` header Node would send for it. */
  readonly host: string;
  /** `Authorization: Basic …` for a URL with credentials, as Node would send it. */
  readonly authorization: string | undefined;
}

/** The target of each URL sent to, parsed once: a client sends to one or two URLs, again and again. */
const targets = new Map<string, Target>();
const MAX_TARGETS = 64;

function requestTarget(url: string): Target {
  let target = targets.get(url);
  if (target === undefined) {
    // What Node's `urlToHttpOptions` (node:url) derives, which `http.request(url)` would use.
    const parsed = new URL(url);
    const { hostname, port, username, password } = parsed;
    const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    const portNumber = port === '' ? undefined : Number(port);
    const auth = username || password ? `${decodeURIComponent(username)}:${decodeURIComponent(password)}` : undefined;
    target = {
      protocol: parsed.protocol,
      hostname: bare,
      port: portNumber,
      path: `${parsed.pathname}${parsed.search}`,
      auth,
      host: hostHeader(bare, portNumber),
      authorization: basicAuthorization(auth),
    };
    if (targets.size >= MAX_TARGETS) targets.clear();
    targets.set(url, target);
  }
  return target;
}

function request(
  url: string,
  init: FetchInit,
  agents: { http: Agent; https: Agent },
  modules: typeof import('node:http')[],
  attemptAbort?: AttemptAbort,
) {
  return new Promise<FetchResponseLike>((resolve, reject) => {
    const target = requestTarget(url);
    const secure = target.protocol === 'https:';
    const [http, https] = modules;
    const body = init.body ?? '';
    const given = init.headers;
    const contentLength = String(Buffer.byteLength(body));
    // A flat list when the names are lower-case (the transport's always are): see request-headers.ts.
    let headers: string[] | Record<string, string> | undefined = rawRequestHeaders(
      given,
      contentLength,
      target.host,
      target.authorization,
    );
    if (headers === undefined) {
      // Copied key by key: on Node 20 an object spread followed by more properties costs ~1.5 µs.
      const record: Record<string, string> = {};
      for (const name in given) if (Object.hasOwn(given, name)) record[name] = given[name];
      record['content-length'] = contentLength;
      headers = record;
    }
    // A fresh object each time: `http.request` assigns its options into the one it is given.
    const req = (secure ? https : http).request({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: target.path,
      auth: target.auth,
      method: init.method ?? 'GET',
      headers,
      agent: secure ? agents.https : agents.http,
    });
    // A listener of our own rather than the `signal` option: that option watches every request
    // with an end-of-stream helper, which cost ~20-30 % per call on loopback (see bench/). The
    // request closes after its response ends, so the listener never outlives it.
    const signal = init.signal;
    if (signal) {
      const onAbort = () => req.destroy(signal.reason);
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        req.once('close', () => signal.removeEventListener('abort', onAbort));
      }
    }
    // The transport's own switch lives only as long as the attempt, so it needs no clean-up here.
    attemptAbort?.onAbort(() => req.destroy(new Error('The request was aborted.')));
    req.once('response', (response) => resolve(new NodeResponse(response)));
    // `on`, not `once`: an abort or reset after the response arrived emits again, and must not crash.
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The default transport: `node:http`/`node:https` over keep-alive agents. Per call it costs a
 * fraction of what node-fetch, global fetch (undici) or axios add on top of the socket (see
 * bench/), it never follows redirects, and it adds no runtime dependency. The modules load on
 * first use, because TLS alone costs more start-up than the rest of this package and a service
 * that passes its own `fetch` never needs them.
 */
export function defaultFetch(): Promise<FetchLike> {
  return loadDefaultSend();
}

function loadDefaultSend(): Promise<DefaultSend> {
  cached ??= Promise.all([import('node:http'), import('node:https')]).then(([http, https]) => {
    const agents = { http: new http.Agent(KEEP_ALIVE_AGENT_OPTIONS), https: new https.Agent(KEEP_ALIVE_AGENT_OPTIONS) };
    const modules = [http, https as unknown as typeof import('node:http')];
    loaded = (url: string, init: FetchInit, attemptAbort?: AttemptAbort) =>
      request(url, init, agents, modules, attemptAbort);
    return loaded;
  });
  return cached;
}

/**
 * Sends one attempt with the default transport, aborted through `attemptAbort` (the timeout or
 * the caller's signal, as the transport decides) rather than an `AbortSignal` in `init`.
 */
export function sendDirect(url: string, init: FetchInit, attemptAbort: AttemptAbort): Promise<FetchResponseLike> {
  // Once loaded, called directly: awaiting the settled load promise costs a microtask turn per call.
  if (loaded !== undefined) return loaded(url, init, attemptAbort);
  return loadDefaultSend().then((send) => send(url, init, attemptAbort));
}
