const encoder = new TextEncoder();

/**
 * Compares two strings in time independent of where they differ: every byte up to the longer
 * length is visited and folded into one difference. Plain Web APIs, so it runs on every runtime.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  const length = Math.max(left.length, right.length);
  let difference = left.length ^ right.length;
  for (let index = 0; index < length; index++) difference |= (left[index] ?? 0) ^ (right[index] ?? 0);
  return difference === 0;
}
