/**
 * Mutations of a GraphQL document for the HTTP fuzz test (fuzz.test.ts):
 * characters deleted, duplicated or swapped; tokens injected; an argument
 * value replaced by one of the wrong type, huge, unicode or very long; deep
 * nesting. Each edit is plain data, so fast-check shrinks a failing document
 * by shrinking its edits.
 */
import fc, { type Arbitrary } from 'fast-check';

const NAMES = ['todos', 'todo', 'todoId', 'id', 'success', 'errors', 'allTodos', 'first', 'after', 'edges', 'node'];
const TOKENS = ['{', '}', '(', ')', '[', ']', ':', '$', '!', '=', '|', '&', '@', '...', '"', '"""', '#', ',', '\\'];
const KEYWORDS = ['query', 'mutation', 'subscription', 'fragment F on Todo { id }', 'on', '@include(if: true)'];
const LITERALS = [
  '1e309',
  '-0',
  '0x10',
  '01',
  '.5',
  'NaN',
  'Infinity',
  'null',
  'HIGH',
  '$nope',
  '"\\uD800"',
  '"\\u{1F600}"',
];
export const fieldName = fc.oneof(fc.constantFrom(...NAMES), fc.stringMatching(/^[_A-Za-z][_0-9A-Za-z]{0,10}$/));

/** A GraphQL value literal of any type: the wrong one for most arguments. */
const literal: Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer().map(String),
    fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    fc.constantFrom(...LITERALS, 'true', 'false', '"""block\n  string"""', '"unterminated'),
    fc.string({ unit: 'binary', maxLength: 30 }).map((text) => JSON.stringify(text)),
    // Long, but not past the body limit: a valid document is cached, and the heap check
    // after the run should not count a few 64 KiB documents as a leak.
    fc.integer({ min: 1_000, max: 10_000 }).map((n) => `"${'y'.repeat(n)}"`),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
    fc
      .array(fc.tuple(fieldName, tie('value')), { maxLength: 4 })
      .map((fields) => `{ ${fields.map(([name, value]) => `${name}: ${value}`).join(', ')} }`),
  ),
})).value;

export type Edit =
  | { readonly kind: 'delete' | 'duplicate'; readonly at: number; readonly length: number }
  | { readonly kind: 'swap'; readonly at: number; readonly other: number }
  | { readonly kind: 'insert' | 'value'; readonly at: number; readonly text: string }
  | { readonly kind: 'nest'; readonly at: number; readonly pair: readonly [string, string]; readonly depth: number };

const NESTINGS: readonly (readonly [string, string])[] = [
  ['[', ']'],
  ['{ a: ', ' }'],
  ['{ ', ' }'],
  ['todo { ', ' }'],
  ['... on Query { ', ' }'],
  ['(', ')'],
];
const at = fc.nat();
export const edit: Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete', 'duplicate'), at, length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('swap'), at, other: at }),
  fc.record({
    kind: fc.constant('insert'),
    at,
    text: fc.oneof(fc.constantFrom(...TOKENS, ...KEYWORDS), fieldName, literal, fc.string({ unit: 'binary' })),
  }),
  fc.record({ kind: fc.constant('value'), at, text: literal }),
  fc.record({
    kind: fc.constant('nest'),
    at,
    pair: fc.constantFrom(...NESTINGS),
    depth: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 20, max: 3_000 })),
  }),
);

/** An argument value (or variable type) in a document: what a 'value' edit replaces. */
const ARGUMENT_VALUE =
  /\b(\w{1,40}\s*:\s*)("(?:[^"\\\n]|\\.)*"|-?\d[\w.+-]*|true|false|null|[A-Z][A-Z_]+|\$\w+|\[[^\]]*\])/g;

export function applyEdit(source: string, change: Edit): string {
  const i = change.at % (source.length + 1);
  switch (change.kind) {
    case 'delete':
      return source.slice(0, i) + source.slice(i + change.length);
    case 'duplicate':
      return source.slice(0, i + change.length) + source.slice(i);
    case 'swap': {
      const j = change.other % (source.length + 1);
      const [a, b] = [Math.min(i, j), Math.max(i, j)];
      if (b >= source.length) return source;
      return source.slice(0, a) + source.charAt(b) + source.slice(a + 1, b) + source.charAt(a) + source.slice(b + 1);
    }
    case 'insert':
      return source.slice(0, i) + change.text + source.slice(i);
    case 'value': {
      const matches = [...source.matchAll(ARGUMENT_VALUE)];
      const match = matches[change.at % Math.max(matches.length, 1)];
      if (!match?.[1] || !match[2]) return source.slice(0, i) + change.text + source.slice(i);
      const start = match.index + match[1].length;
      return source.slice(0, start) + change.text + source.slice(start + match[2].length);
    }
    case 'nest': {
      const [open, close] = change.pair;
      return source.slice(0, i) + open.repeat(change.depth) + close.repeat(change.depth) + source.slice(i);
    }
  }
}
