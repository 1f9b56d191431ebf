/**
 * How long a pooled keep-alive socket may sit idle before the default transport closes it: 4 s,
 * under the shortest idle timeout common servers use without announcing it (Node's and Apache's
 * 5 s; nginx 75 s, AWS load balancers 60 s), and undici's own default. A server closing a pooled
 * socket just as a request reuses it resets that request, which is never retried (it may have been
 * acted on), so the socket has to go first. A server's `Keep-Alive: timeout=N` hint shortens this
 * further: Node's agent retires the socket a second before N.
 */
export const IDLE_SOCKET_TIMEOUT_MS = 4_000;

/** Options for the default transport's `http.Agent`s: pooled, and retired before a server would close them. */
export const KEEP_ALIVE_AGENT_OPTIONS = { keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS } as const;
