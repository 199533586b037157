/**
 * The JSON schema of a TypeScript/JavaScript tool from its signature and JSDoc: which function is
 * the tool, the types it understands, optional parameters and defaults, and what it refuses.
 */
import { describe, expect, it } from 'vitest';
import { signatureSchema, typeSchema } from '../src/runtime/tools/sandbox/typescript-signature.js';

describe('signatureSchema', () => {
  it('takes the first exported function over earlier plain ones, with JSDoc descriptions', () => {
    const s = signatureSchema(`
function helper(x: number) { return x }
// a comment with a ( bracket
/**
 * Book a table.
 *
 * @param name - who books
 * @param {number} seats how many seats
 * @returns the booking id
 */
export default function book(name: string, seats = 2, when?: string, notes: string | undefined = undefined): string {
  const s = "(not a param)";
  return name;
}
export function later(a: string) {}
`);
    expect(s).toEqual({
      name: 'book',
      description: 'Book a table.',
      params: ['name', 'seats', 'when', 'notes'],
      parameters: {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'who books' },
          seats: { type: 'number', description: 'how many seats', default: 2 },
          when: { type: 'string' },
          notes: { type: 'string' },
        },
        required: ['name'],
      },
    });
  });

  it('reads const arrow functions and the first function when none is exported', () => {
    const arrow = signatureSchema(
      'export const sum = async (xs: number[], scale: number = 1.5) => xs.length;',
    );
    expect(arrow).toMatchObject({
      name: 'sum',
      params: ['xs', 'scale'],
      parameters: {
        properties: {
          xs: { type: 'array', items: { type: 'number' } },
          scale: { type: 'number', default: 1.5 },
        },
        required: ['xs'],
      },
    });
    const plain = signatureSchema('function first(a) { return a }\nfunction second(b) {}');
    expect(plain).toMatchObject({ name: 'first', params: ['a'], parameters: { properties: { a: {} } } });
  });

  it('maps TypeScript types to JSON schema', () => {
    expect(typeSchema('Array<{ id: string; "tags"?: string[] }>')).toEqual({
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
        required: ['id'],
      },
    });
    expect(typeSchema("'a' | 'b' | null")).toEqual({ type: 'string', enum: ['a', 'b'] });
    expect(typeSchema('1 | 2')).toEqual({ type: 'number', enum: [1, 2] });
    expect(typeSchema('string | number')).toEqual({ anyOf: [{ type: 'string' }, { type: 'number' }] });
    expect(typeSchema('Record<string, boolean>')).toEqual({
      type: 'object',
      additionalProperties: { type: 'boolean' },
    });
    expect(typeSchema('readonly (string | undefined)[]')).toEqual({
      type: 'array',
      items: { type: 'string' },
    });
    expect(typeSchema('Map<string, Foo>')).toEqual({ type: 'object' });
    expect(typeSchema('SomeInterface')).toEqual({});
  });

  it('reads object-literal defaults and refuses what it cannot name', () => {
    const s = signatureSchema(
      "export function f(o: { unit: 'c' | 'f' } = { unit: 'c', }, list = ['x', \"y\"]) {}",
    );
    expect(s).toMatchObject({
      parameters: {
        properties: {
          o: { type: 'object', default: { unit: 'c' } },
          list: { type: 'array', default: ['x', 'y'] },
        },
        required: [],
      },
    });
    expect(signatureSchema('export function f({ a }: { a: string }) {}')).toEqual({
      error:
        "parameter '{ a }: { a: string }' of 'f' is not a plain name (destructuring and rest parameters need json_schema)",
    });
    expect(signatureSchema('const x = 1;')).toEqual({ error: 'the source defines no top-level function' });
    expect(signatureSchema('export default function (a: string) {}')).toEqual({
      error: 'the tool function must have a name',
    });
  });
});
