/**
 * The files section of an agent's context window, in Letta's layout: a `<directories>` element
 * after the memory blocks, one `<directory>` per attached folder and one `<file>` per file, with
 * the visible lines of each open file. Its fingerprint (files open, their windows and access
 * times) joins the memory fingerprint, so opening or closing a file recompiles the system message.
 */
import type { FileAgentRecord, FileRecord } from '../store/file-repository.js';
import type { FolderRecord } from '../store/folder-repository.js';
import type { Store } from '../store/store.js';

/** Most files open at once (Letta's `max_files_open`). */
export const MAX_FILES_OPEN = 5;

export interface AgentFileView {
  folder: FolderRecord;
  file: FileRecord;
  /** `folder_name/file_name`, how tools name it. */
  name: string;
  state: FileAgentRecord | undefined;
}

export interface Directories {
  /** The compiled section; null when no folder is attached. */
  text: string | null;
  fingerprint: string;
}

/** Every file of the folders attached to the agent, with the agent's state of each. */
export async function agentFiles(store: Store, org: string, agentId: string): Promise<AgentFileView[]> {
  const folders = await store.folders.listForAgent(org, agentId);
  if (folders.length === 0) return [];
  const [files, states] = await Promise.all([
    store.files.listForFolders(
      org,
      folders.map((f) => f.id),
    ),
    store.files.agentStates(org, agentId),
  ]);
  const folderById = new Map(folders.map((f) => [f.id, f]));
  const stateById = new Map(states.map((s) => [s.file_id, s]));
  return files.flatMap((file) => {
    const folder = folderById.get(file.folder_id);
    return folder
      ? [{ folder, file, name: `${folder.name}/${file.file_name}`, state: stateById.get(file.id) }]
      : [];
  });
}

/** `folders`: the agent's folders when the caller read them already (with the agent's state). */
export async function compileDirectories(
  store: Store,
  org: string,
  agentId: string,
  known?: FolderRecord[],
): Promise<Directories> {
  const folders = known ?? (await store.folders.listForAgent(org, agentId));
  if (folders.length === 0) return { text: null, fingerprint: '' };
  const views = await agentFiles(store, org, agentId);
  const open = views.filter((v) => v.state?.is_open);
  const parts = [
    '<directories>',
    '<file_limits>',
    `- current_files_open=${open.length}`,
    `- max_files_open=${MAX_FILES_OPEN}`,
    '</file_limits>',
  ];
  let fingerprint = folders.map((f) => `${f.id}@${f.updated_at}`).join(',');
  for (const folder of folders) {
    parts.push(`<directory name="${folder.name}">`);
    if (folder.description) parts.push(`<description>${folder.description}</description>`);
    if (folder.instructions) parts.push(`<instructions>${folder.instructions}</instructions>`);
    for (const v of views.filter((x) => x.folder.id === folder.id)) {
      fingerprint += `|${v.file.id}:${v.file.processing_status}`;
      if (v.state?.is_open) {
        fingerprint += `:${v.state.start_line}-${v.state.end_line}@${v.state.last_accessed_at}`;
        parts.push(`<file status="open" name="${v.name}">`, '<metadata>', '- read_only=true');
        parts.push(`- chars_current=${v.state.visible_content?.length ?? 0}`, '</metadata>');
        parts.push(`<value>\n${v.state.visible_content ?? ''}\n</value>`, '</file>');
      } else {
        parts.push(`<file status="closed" name="${v.name}"/>`);
      }
    }
    parts.push('</directory>');
  }
  parts.push('</directories>');
  return { text: parts.join('\n'), fingerprint };
}
