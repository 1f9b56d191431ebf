import type { IncomingHttpHeaders } from 'node:http';

/**
 * The headers of a `node:http` response as the `get`/`forEach` pair the transport reads. A class
 * rather than an object of two closures: the CJS build's keepNames wraps every named closure in
 * a `__name` call (an `Object.defineProperty`) each time it is created, i.e. twice per response.
 */
export class NodeHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  forEach(callback: (value: string, name: string) => void): void {
    const raw = this.raw;
    for (const name in raw) {
      if (!Object.hasOwn(raw, name)) continue;
      const value = raw[name];
      if (value !== undefined) callback(Array.isArray(value) ? value.join(', ') : value, name);
    }
  }
}
