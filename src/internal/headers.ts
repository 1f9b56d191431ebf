/** Response headers as a plain object with lower-case names; repeated headers are comma-joined. */
export type ResponseHeaders = Readonly<Record<string, string>>;

interface HeadersLike {
  forEach(callback: (value: string, name: string) => void): void;
}

export function headersToRecord(headers: HeadersLike | undefined): ResponseHeaders {
  const out: Record<string, string> = {};
  headers?.forEach((value, name) => {
    const key = name.toLowerCase();
    // Object.hasOwn, not `in`: a header named `constructor` would otherwise be joined to the inherited function.
    out[key] = Object.hasOwn(out, key) ? `${out[key]}, ${value}` : value;
  });
  return out;
}
