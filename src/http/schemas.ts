/**
 * Schemas shared by routes. Every string a client sends has a maxLength and every array a
 * maxItems (a test walks all route schemas to keep it so); ids are checked by pattern.
 */
import { Type } from 'typebox';
import { type IdPrefix, idPattern } from '../ids.js';

/** The body of every error answer: `{detail, code}` plus optional extra fields. */
export const ErrorBody = Type.Object(
  {
    detail: Type.String({ description: 'What went wrong, for humans.' }),
    code: Type.String({ description: 'A stable code from the error catalog (docs/errors.md).' }),
  },
  { additionalProperties: true },
);

/** An id of the given kind, e.g. `Id('conv')` matches `conv-<uuid4>`. */
export const Id = (prefix: IdPrefix, description?: string) =>
  Type.String({
    pattern: idPattern(prefix),
    maxLength: prefix.length + 37,
    ...(description ? { description } : {}),
  });

/** `string | null` on input, bounded. */
export const NullableText = (maxLength: number, description?: string) =>
  Type.Union([Type.String({ maxLength }), Type.Null()], description ? { description } : {});

/** A free-form JSON object (metadata), bounded in keys; its size is bounded by the body limit. */
export const Metadata = Type.Record(Type.String(), Type.Unknown(), {
  maxProperties: 100,
  propertyNames: { type: 'string', maxLength: 200 },
  description: 'Free-form JSON object.',
});

/** Tags: short strings. */
export const Tags = Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 });

export const DEFAULT_LIMIT = 50;

/** The largest integer PostgreSQL's `integer` stores: the top of every integer a client sends. */
export const INT32_MAX = 2_147_483_647;
/** The largest `context_window_limit` (tokens) accepted, on both APIs. */
export const MAX_CONTEXT_WINDOW = 10_000_000;

/** `limit` query parameter: 1–1000, default 50 (filled in by validation). */
export const Limit = Type.Optional(
  Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: DEFAULT_LIMIT,
    description: 'Page size (1-1000, default 50).',
  }),
);

/** Nullable output string. */
export const NullableString = Type.Union([Type.String(), Type.Null()]);
