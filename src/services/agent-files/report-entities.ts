/**
 * The parts of an agent file this server has no place for yet, named in the import's warnings:
 * groups (e.g. an agent and its sleep-time agent: both agents are imported on their own),
 * folders (`sources`, `files`, `files_agents`), MCP servers and skills.
 */
import type { AgentFile } from './format.js';

export function reportUnsupportedEntities(file: AgentFile, warnings: string[]): void {
  const agentName = new Map(file.agents.map((a) => [a.id, a.name]));
  file.groups.forEach((g, i) => {
    const members = Array.isArray(g.agent_ids)
      ? g.agent_ids.map((id) => agentName.get(String(id)) ?? String(id))
      : [];
    const manager =
      typeof g.manager_config === 'object' && g.manager_config !== null && !Array.isArray(g.manager_config)
        ? String(g.manager_config.manager_type ?? 'round_robin')
        : 'round_robin';
    warnings.push(
      `groups[${i}]: ${manager} group of ${members.map((m) => `'${m}'`).join(', ') || 'no agents'} not stored (groups are not served yet); its agents are imported on their own`,
    );
  });
  file.sources.forEach((s, i) => {
    warnings.push(
      `sources[${i}]: folder '${String(s.name ?? s.id)}' not imported (folders are not served by this import yet)`,
    );
  });
  if (file.files.length > 0) warnings.push(`files: ${file.files.length} file(s) of folders not imported`);
  file.mcp_servers.forEach((s, i) => {
    warnings.push(
      `mcp_servers[${i}]: MCP server '${String(s.server_name ?? s.id)}' not stored (MCP servers are not served yet); its tools are stored, not runnable`,
    );
  });
  (file.skills ?? []).forEach((s, i) => {
    warnings.push(`skills[${i}]: skill '${String(s.name ?? i)}' not imported (skills are not served)`);
  });
}
