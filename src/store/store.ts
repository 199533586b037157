/**
 * The store: repositories over one Kysely executor. `transaction` hands the callback a store
 * whose repositories all run inside one database transaction.
 */
import type { Kysely } from 'kysely';
import { span } from '../telemetry.js';
import { AgentRepository } from './agent-repository.js';
import { AgentVariableRepository } from './agent-variable-repository.js';
import { ApiKeyRepository } from './api-key-repository.js';
import { ArchiveRepository } from './archive-repository.js';
import { BlockRepository } from './block-repository.js';
import { ConversationClaims, ConversationRepository } from './conversation-repository.js';
import type { StoreDialect } from './dialect/store-dialect.js';
import { FileRepository } from './file-repository.js';
import { FolderRepository } from './folder-repository.js';
import { JobRepository } from './job-repository.js';
import { McpServerRepository } from './mcp-server-repository.js';
import { MessageRepository } from './message-repository.js';
import { OrganizationRepository } from './organization-repository.js';
import type { IndexState } from './passage-index.js';
import { newIndexState, PassageRepository } from './passage-repository.js';
import { RunRepository } from './run-repository.js';
import type { Database } from './schema.js';
import type { BatchedWrite } from './statement.js';
import { ToolRepository } from './tool-repository.js';
import { writeBatch } from './write-batch.js';

export class Store {
  readonly organizations: OrganizationRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly agents: AgentRepository;
  readonly blocks: BlockRepository;
  readonly tools: ToolRepository;
  readonly conversations: ConversationRepository;
  readonly messages: MessageRepository;
  readonly runs: RunRepository;
  readonly claims: ConversationClaims;
  readonly passages: PassageRepository;
  readonly archives: ArchiveRepository;
  /** Agents' tool variables (`secrets`), the environment of their sandboxed tools. */
  readonly agentVariables: AgentVariableRepository;
  /** MCP servers (their tools are rows of `tools`, `tool_type` `external_mcp`). */
  readonly mcpServers: McpServerRepository;
  /** Folders (Letta's sources), their files and background jobs (uploads). */
  readonly folders: FolderRepository;
  readonly files: FileRepository;
  readonly jobs: JobRepository;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: StoreDialect,
    /** Search-index state shared with the transaction stores made from this one. */
    private readonly indexState: IndexState = newIndexState(),
  ) {
    this.organizations = new OrganizationRepository(db);
    this.apiKeys = new ApiKeyRepository(db);
    this.agents = new AgentRepository(db, dialect);
    this.blocks = new BlockRepository(db, dialect);
    this.tools = new ToolRepository(db, dialect);
    this.conversations = new ConversationRepository(db, dialect);
    this.messages = new MessageRepository(db, dialect);
    this.runs = new RunRepository(db, dialect);
    this.claims = new ConversationClaims(db, dialect);
    this.passages = new PassageRepository(db, dialect, indexState);
    this.archives = new ArchiveRepository(db);
    this.agentVariables = new AgentVariableRepository(db);
    this.mcpServers = new McpServerRepository(db);
    this.folders = new FolderRepository(db);
    this.files = new FileRepository(db);
    this.jobs = new JobRepository(db);
  }

  /**
   * Commits `writes` together: one statement on PostgreSQL, one transaction on SQLite. See
   * `write-batch.ts` for what a batch may hold. Returns each write's count of changed rows.
   */
  writeBatch(writes: readonly BatchedWrite[]): Promise<number[]> {
    return writeBatch(this, writes);
  }

  /** Runs `fn` in one transaction; everything it writes commits or rolls back together. */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return span('letta.db.transaction', { 'db.system.name': this.dialect.name }, () =>
      this.db.transaction().execute((trx) => fn(new Store(trx, this.dialect, this.indexState))),
    );
  }
}
