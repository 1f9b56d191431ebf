/**
 * True when the body can be sent a second time unchanged (for the one retry after a 401): no
 * body, or one Fetch re-reads from memory. A stream is consumed by the first send, and anything
 * unknown is treated like one.
 */
export function isReplayableBody(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof URLSearchParams ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof FormData
  );
}
