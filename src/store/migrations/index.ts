/**
 * Every migration, in order. Forward-only: a released migration is never edited; a change is a
 * new file appended here. The name is recorded in `kysely_migration` on both dialects.
 */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect/store-dialect.js';
import * as m001 from './001-initial.js';
import * as m002 from './002-archival-search.js';
import * as m003 from './003-archives.js';
import * as m004 from './004-passage-text-search.js';
import * as m005 from './005-callback-secret.js';
import * as m006 from './006-agent-names-not-unique.js';
import * as m007 from './007-agent-file-tools.js';
import * as m008 from './008-agent-tool-variables.js';
import * as m009 from './009-tool-approval.js';
import * as m010 from './010-mcp-servers.js';
import * as m011 from './011-folders.js';

export interface MigrationStep {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
  up(db: Kysely<any>, dialect: StoreDialect): Promise<void>;
}

export const MIGRATIONS: readonly MigrationStep[] = [
  { name: '001-initial', up: m001.up },
  { name: '002-archival-search', up: m002.up },
  { name: '003-archives', up: m003.up },
  { name: '004-passage-text-search', up: m004.up },
  { name: '005-callback-secret', up: m005.up },
  { name: '006-agent-names-not-unique', up: m006.up },
  { name: '007-agent-file-tools', up: m007.up },
  { name: '008-agent-tool-variables', up: m008.up },
  { name: '009-tool-approval', up: m009.up },
  { name: '010-mcp-servers', up: m010.up },
  { name: '011-folders', up: m011.up },
];
