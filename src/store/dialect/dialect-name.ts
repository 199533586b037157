/** The two databases letta-ts runs on. */
export type DialectName = 'sqlite' | 'postgres';
