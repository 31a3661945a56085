/**
 * Text for anything that was thrown, never throwing itself: tool code can throw a Symbol (which a
 * template string refuses), a null-prototype object (no toString), or an object whose `stack` or
 * `toString` is a getter that throws.
 */
export function describeThrown(thrown: unknown): string {
  try {
    if (thrown instanceof Error) {
      const stack = thrown.stack;
      if (typeof stack === 'string' && stack) return stack;
    }
  } catch {
    // fall through to the other forms
  }
  try {
    if (typeof thrown === 'string') return thrown;
    if (typeof thrown === 'symbol') return thrown.toString();
    if (thrown === null || typeof thrown !== 'object') return String(thrown);
  } catch {
    // fall through
  }
  try {
    const json = JSON.stringify(thrown);
    if (json !== undefined && json !== '{}') return json;
  } catch {
    // circular, BigInt, or a throwing toJSON
  }
  try {
    const text = String(thrown);
    if (text !== '[object Object]') return text;
  } catch {
    // no usable toString
  }
  try {
    return Object.prototype.toString.call(thrown);
  } catch {
    return 'a value that cannot be shown';
  }
}
