/** Folders (Letta's sources): resources, uploads as background jobs, the agent's view of files. */

export type { JobRecord } from '../../store/job-repository.js';
export { FileIngest } from './file-ingest.js';
export { folderFileSearch } from './folder-file-search.js';
export {
  type AgentFileAttachment,
  AgentFileViews,
  type CreateFolderInput,
  type FileRecord,
  type FolderRecord,
  FolderService,
  type FolderStats,
} from './folder-service.js';
export { type DuplicateFileHandling, JobService, type UploadInput, UploadService } from './upload-service.js';
