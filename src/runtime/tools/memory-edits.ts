/**
 * Pure memory-edit functions: each takes a block's current value and the tool's arguments and
 * returns the new value, or throws a {@link ToolError} the model can read and act on. Keeping
 * them pure lets the executor retry an edit on a fresher value when another conversation of the
 * same agent wrote the block first.
 */

export class ToolError extends Error {
  /** What a sandboxed tool printed before it failed (kept on the tool return). */
  readonly output: ToolOutput | undefined;
  constructor(message: string, output?: ToolOutput) {
    super(message);
    this.output = output;
    this.name = 'ToolError';
  }
}

/** A sandboxed tool's stdout and stderr (capped by the sandbox). */
export interface ToolOutput {
  stdout: string;
  stderr: string;
}

const LINE_NUMBER_PREFIX = /^\s*\d+→/m;

export function coreMemoryAppend(value: string, content: string): string {
  return value.length === 0 ? content : `${value}\n${content}`;
}

export function coreMemoryReplace(value: string, oldContent: string, newContent: string): string {
  if (oldContent.length === 0) throw new ToolError('old_content must not be empty');
  if (!value.includes(oldContent))
    throw new ToolError(`Old content '${oldContent}' not found in memory block`);
  return value.split(oldContent).join(newContent);
}

export function memoryReplace(value: string, oldString: string, newString: string): string {
  if (LINE_NUMBER_PREFIX.test(oldString) || LINE_NUMBER_PREFIX.test(newString)) {
    throw new ToolError(
      'old_string and new_string must not contain line-number prefixes (e.g. "1→"); use the raw text',
    );
  }
  if (oldString.length === 0) throw new ToolError('old_string must not be empty');
  const first = value.indexOf(oldString);
  if (first === -1) throw new ToolError(`No match for old_string '${oldString}' in the memory block`);
  if (value.indexOf(oldString, first + 1) !== -1) {
    throw new ToolError(
      `old_string '${oldString}' appears more than once; include more context so it is unique`,
    );
  }
  return value.slice(0, first) + newString + value.slice(first + oldString.length);
}

export function memoryInsert(value: string, newString: string, insertLine = -1): string {
  const lines = value.length === 0 ? [] : value.split('\n');
  if (!Number.isInteger(insertLine) || insertLine < -1 || insertLine > lines.length) {
    throw new ToolError(
      `insert_line ${insertLine} is out of range: the block has ${lines.length} lines (use -1 for the end)`,
    );
  }
  const at = insertLine === -1 ? lines.length : insertLine;
  lines.splice(at, 0, ...newString.split('\n'));
  return lines.join('\n');
}
