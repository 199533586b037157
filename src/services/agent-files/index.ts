/**
 * Agent files (`.af`): Letta's portable form of agents. {@link AgentFileService} reads one
 * (parse → import, one transaction) and writes one (export). HTTP-free: the routes in
 * `src/http/v1/agent-files.ts` hand it the uploaded text and options.
 *
 * @example
 * const { agent_ids, warnings } = await core.agentFiles.import(ctx, text, { stripMessages: true });
 * const file = await core.agentFiles.export(ctx, agent_ids[0]);
 */
import type { RequestContext } from '../context.js';
import { type ExportDeps, type ExportOptions, exportAgentFile } from './export-agent-file.js';
import type { AgentFile, ImportResult } from './format.js';
import { type ImportDeps, type ImportOptions, importAgentFile } from './import-agent-file.js';
import { parseAgentFile } from './parse-agent-file.js';

export type { AgentFile, ExportOptions, ImportOptions, ImportResult };

export class AgentFileService {
  constructor(private readonly deps: ImportDeps & ExportDeps & { getAgent: AgentLookup }) {}

  /** Imports every agent of the file (the JSON object, or a JSON string holding it). */
  async import(ctx: RequestContext, text: string, options: ImportOptions = {}): Promise<ImportResult> {
    const { file, warnings } = parseAgentFile(text);
    return importAgentFile(this.deps, ctx, file, options, warnings);
  }

  async export(ctx: RequestContext, agentIdOrName: string, options: ExportOptions = {}): Promise<AgentFile> {
    const agent = await this.deps.getAgent(ctx, agentIdOrName);
    return exportAgentFile(this.deps, ctx, agent, options);
  }
}

type AgentLookup = (
  ctx: RequestContext,
  idOrName: string,
) => Promise<import('../../store/records.js').AgentRecord>;
