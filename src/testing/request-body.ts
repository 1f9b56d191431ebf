import type { IncomingMessage } from 'node:http';

/** Token requests are a few hundred bytes; anything past this is refused unread. */
export const MAX_BODY_BYTES = 64 * 1024;

export type ParsedBody =
  | { ok: true; value: unknown }
  | { ok: false; status: 400 | 413 | 415; message: string; path?: string };

export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Parses a token request body. JSON is the documented contract; the service also takes
 * form-urlencoded fields (the legacy official SDKs sent those), so both are read.
 */
export function parseBody(contentType: string | undefined, body: Buffer | undefined): ParsedBody {
  if (body === undefined)
    return { ok: false, status: 413, message: `The request body exceeds ${MAX_BODY_BYTES} bytes.` };
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const text = body.toString('utf8');
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return { ok: false, status: 400, message: 'The request body is not valid JSON.' };
    }
  }
  if (mediaType === 'application/x-www-form-urlencoded') {
    return { ok: true, value: Object.fromEntries(new URLSearchParams(text)) };
  }
  return {
    ok: false,
    status: 415,
    message: 'Send the request body as application/json or application/x-www-form-urlencoded.',
  };
}
