/**
 * `semantic_search_files` over the chunks of an agent's folders: the archival hybrid search
 * (vectors and keywords, fused) over the folders' archives, embedded with the first folder's model.
 */

import { LettaError } from '../../errors.js';
import type { FileSearch } from '../../runtime/tools/file-tools.js';
import { ToolError } from '../../runtime/tools/memory-edits.js';
import type { Store } from '../../store/store.js';
import type { ArchivalService } from '../archival-service.js';

export function folderFileSearch(store: Store, archival: ArchivalService): FileSearch {
  return {
    async search(env, query, limit) {
      const folders = await store.folders.listForAgent(env.ctx.org, env.agent.id);
      if (folders.length === 0) return 'No folders are attached to you.';
      const archives = (
        await Promise.all(folders.map((f) => store.archives.get(env.ctx.org, f.archive_id, true)))
      ).flatMap((a) => (a ? [a] : []));
      try {
        const r = await archival.searchIn(env.ctx, archives, folders[0]?.embedding ?? null, query, {
          top_k: limit,
        });
        if (r.results.length === 0) return `No matches in your files (${r.search_mode} search).`;
        const lines = r.results.map((h, i) => {
          const m = h.passage.metadata;
          const where =
            typeof m.start_line === 'number' ? ` (lines ${m.start_line}-${String(m.end_line)})` : '';
          return `${i + 1}. ${String(m.file_name ?? h.passage.file_id ?? '?')}${where}:\n${h.passage.text}`;
        });
        return `Found ${r.results.length} passage(s) in your files (${r.search_mode} search):\n${lines.join('\n\n')}`;
      } catch (err) {
        if (err instanceof LettaError) throw new ToolError(err.message);
        throw err;
      }
    },
  };
}
