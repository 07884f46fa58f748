const utf8 = new TextEncoder();

/** How many bytes `value` takes as UTF-8 JSON (what a size limit on a JSON field counts). */
export function jsonBytes(value: unknown): number {
  return utf8.encode(JSON.stringify(value) ?? '').byteLength;
}

/** Deeper than DynamoDB stores (32 levels of nested maps and lists), and deeper than any real request. */
export const MAX_JSON_DEPTH = 32;
/** Keys that name an object's prototype machinery rather than data. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Why a parsed JSON value must be refused before any schema walks it (a schema recurses and
 * would overflow the stack), or undefined. Walks iteratively, so depth cannot hurt it either.
 */
export function hostileJsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxDepth) return `nested deeper than ${maxDepth} levels`;
    if (Array.isArray(current)) {
      for (const item of current) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (RESERVED_KEYS.has(key)) return `"${key}" is a reserved key`;
      stack.push({ value: item, depth: depth + 1 });
    }
  }
  return undefined;
}
