/**
 * Folders (Letta's sources) and their files, the agents they are attached to, each agent's open
 * files, and background jobs (file uploads). A folder keeps its chunks as passages of an archive
 * of its own (`folders.archive_id`, hidden from `/v1/archives`): they are searched with the same
 * vector and keyword indexes as archival memory. `passages.file_id` names the file a chunk came
 * from (null for archival memory), so deleting a file deletes its chunks.
 */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect/store-dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('folders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('instructions', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('embedding', 'text')
    .addColumn('embedding_chunk_size', 'integer', (c) => c.notNull().defaultTo(300))
    .addColumn('archive_id', 'text', (c) => c.notNull().references('archives.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('folders_org_name')
    .on('folders')
    .columns(['organization_id', 'name'])
    .unique()
    .execute();
  await db.schema
    .createIndex('folders_org_created')
    .on('folders')
    .columns(['organization_id', 'created_at', 'id'])
    .execute();
  await db.schema.createIndex('folders_archive').on('folders').column('archive_id').execute();

  await db.schema
    .createTable('files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('folder_id', 'text', (c) => c.notNull().references('folders.id').onDelete('cascade'))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('original_file_name', 'text', (c) => c.notNull())
    .addColumn('file_type', 'text', (c) => c.notNull())
    .addColumn('file_size', 'integer', (c) => c.notNull())
    .addColumn('processing_status', 'text', (c) => c.notNull())
    .addColumn('error_message', 'text')
    .addColumn('total_chunks', 'integer')
    .addColumn('chunks_embedded', 'integer')
    .addColumn('content', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('files_folder_created')
    .on('files')
    .columns(['folder_id', 'created_at', 'id'])
    .execute();
  await db.schema.createIndex('files_folder_name').on('files').columns(['folder_id', 'file_name']).execute();

  await db.schema
    .createTable('agents_folders')
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('folder_id', 'text', (c) => c.notNull().references('folders.id').onDelete('cascade'))
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('agents_folders_pk', ['agent_id', 'folder_id'])
    .execute();
  await db.schema.createIndex('agents_folders_folder').on('agents_folders').column('folder_id').execute();

  await db.schema
    .createTable('files_agents')
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('file_id', 'text', (c) => c.notNull().references('files.id').onDelete('cascade'))
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('is_open', 'integer', (c) => c.notNull())
    .addColumn('visible_content', 'text')
    .addColumn('start_line', 'integer')
    .addColumn('end_line', 'integer')
    .addColumn('last_accessed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('files_agents_pk', ['agent_id', 'file_id'])
    .execute();
  await db.schema.createIndex('files_agents_file').on('files_agents').column('file_id').execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('job_type', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('folder_id', 'text')
    .addColumn('file_id', 'text')
    .addColumn('owner', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute();
  await db.schema
    .createIndex('jobs_org_created')
    .on('jobs')
    .columns(['organization_id', 'created_at', 'id'])
    .execute();
  await db.schema.createIndex('jobs_status').on('jobs').columns(['status', 'updated_at']).execute();

  await db.schema.alterTable('passages').addColumn('file_id', 'text').execute();
  await db.schema.createIndex('passages_file').on('passages').column('file_id').execute();
}
