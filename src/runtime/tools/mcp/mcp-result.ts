/**
 * An MCP tool call's result as the text a model reads: the text parts joined by newlines, other
 * parts named (`[image image/png]`, a resource's text or URI), `structuredContent` as JSON when
 * there is no content. `isError` results are failures (the text says why).
 *
 * @example
 * mcpResultText({ content: [{ type: 'text', text: 'hi' }] }); // 'hi'
 */

export interface McpCallResult {
  content?: unknown;
  structuredContent?: unknown;
  isError?: unknown;
}

export function mcpResultText(r: McpCallResult): string {
  const parts = Array.isArray(r.content) ? (r.content as Array<Record<string, unknown>>) : [];
  const texts = parts.map((p) => {
    switch (p.type) {
      case 'text':
        return String(p.text ?? '');
      case 'image':
      case 'audio':
        return `[${p.type} ${String(p.mimeType ?? '')}]`;
      case 'resource': {
        const res = (p.resource ?? {}) as Record<string, unknown>;
        return typeof res.text === 'string' ? res.text : `[resource ${String(res.uri ?? '')}]`;
      }
      case 'resource_link':
        return `[resource ${String(p.uri ?? '')}]`;
      default:
        return JSON.stringify(p);
    }
  });
  if (texts.length === 0 && r.structuredContent !== undefined) return JSON.stringify(r.structuredContent);
  return texts.join('\n');
}
