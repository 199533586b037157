/**
 * The `letta` command line: `letta server` (serve the API), `letta migrate` (apply database
 * migrations), `letta dev-model` (a scripted model to try the server with) and `letta keys create|list|revoke` (API keys, one organization each). Every failure is one line on stderr (`letta: <what went wrong>`) and a non-zero
 * exit code; `main` never throws for a user error.
 *
 * @example
 * // bin/letta.js
 * main(process.argv).then((code) => { if (typeof code === 'number') process.exitCode = code; });
 */
import { Command, CommanderError, Option } from 'commander';
import type { ServerFlags } from '../config.js';
import { VERSION } from '../http/version.js';

// Commands import their modules when they run: `letta --version` or `letta --help` must not load
// the server, and `letta server` should not load what only `keys` needs (start-up time).

/** Exit code for a command line that does not parse (unknown flag, bad value). */
export const EXIT_USAGE = 2;

export async function main(argv: string[] = process.argv): Promise<number> {
  let exitCode = 0;
  const program = new Command('letta')
    .description("letta-ts: a server for stateful LLM agents (Letta's tutorial API and V1 REST API)")
    .version(VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      outputError: (text, write) =>
        write(
          `letta: ${text
            .trim()
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')}\n`,
        ),
    })
    .showSuggestionAfterError(true);

  program
    .command('server')
    .description('serve the API (SQLite in $LETTA_HOME by default, or PostgreSQL with --pg-uri)')
    .option('--host <host>', 'interface to listen on (env LETTA_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env LETTA_PORT, default 8283)')
    .option(
      '--cors [origins]',
      'allow browsers from any origin, or only from a comma-separated list (env LETTA_CORS)',
    )
    .option('--auth', 'require Authorization: Bearer $LETTA_API_KEY on every API route (env LETTA_AUTH)')
    .option('--secure', 'Letta V1 secure mode: require $LETTA_SERVER_PASSWORD (env LETTA_SERVER_SECURE)')
    .option('--docs', 'write openapi.json to the current directory and print where the docs are')
    .option('--pg-uri <uri>', 'PostgreSQL connection URI (env LETTA_PG_URI)')
    .option(
      '--redis-url <url>',
      'Redis URL, shares rate-limit counters between processes (env LETTA_REDIS_URL)',
    )
    .option('--rate-limit <n/unit>', 'requests per caller, e.g. 60/minute (env LETTA_RATE_LIMIT)')
    .option('--body-limit <size>', 'largest request body, e.g. 1mb (env LETTA_BODY_LIMIT, default 1mb)')
    .option('--ssl-cert <file>', 'serve HTTPS with this PEM certificate (env LETTA_SSL_CERT)')
    .option('--ssl-key <file>', 'and this PEM private key (env LETTA_SSL_KEY)')
    .option(
      '--trust-proxy [proxies]',
      'behind a reverse proxy: client address from X-Forwarded-For (true, a hop count or proxy IPs; env LETTA_TRUST_PROXY)',
    )
    .option(
      '--allowed-hosts <hosts>',
      'without --auth, also serve these Host names (comma-separated, * for any; env LETTA_ALLOWED_HOSTS)',
    )
    .option(
      '--outbound-allow <list>',
      'hosts or CIDRs callbacks may reach despite being private/loopback (env LETTA_OUTBOUND_ALLOW)',
    )
    .addOption(
      new Option('--log-level <level>', 'log level (env LETTA_LOG_LEVEL, default info)').choices([
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
        'silent',
      ]),
    )
    .addHelpText(
      'after',
      `
The web console is at http://<host>:<port>/console, the API docs at /docs.

A model provider is configured by the environment:
  OPENAI_API_KEY      OpenAI (agents default to openai/gpt-4o-mini)
  OPENAI_BASE_URL     any OpenAI-compatible server (vLLM, LM Studio, llama.cpp, \`letta dev-model\`)
  ANTHROPIC_API_KEY   Anthropic (agents default to anthropic/claude-haiku-4-5)
  OLLAMA_BASE_URL     Ollama, e.g. http://localhost:11434
  LETTA_DEFAULT_LLM_HANDLE  the model for agents created without one (e.g. openai/gpt-4o)`,
    )
    .action(async (flags: ServerFlags) => {
      const { runServer } = await import('./server-command.js');
      exitCode = await runServer(flags);
    });

  program
    .command('dev-model')
    .description('run a scripted OpenAI-compatible model, to try the server without a provider key')
    .option('--port <port>', 'port to listen on (env LETTA_DEV_MODEL_PORT, default 8284; 0 for any)')
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .addHelpText(
      'after',
      `
Then: OPENAI_BASE_URL=http://127.0.0.1:<port>/v1 letta server
"my name is X" makes it save X in the human block (memory_insert); anything else is echoed
with what it remembers. It lists gpt-4o-mini and dev-model, and answers to any model name.`,
    )
    .action(async (flags: { port?: string; host?: string }) => {
      const { runDevModel } = await import('./dev-model-command.js');
      exitCode = await runDevModel(flags);
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .option('--pg-uri <uri>', 'PostgreSQL connection URI (env LETTA_PG_URI)')
    .action(async (flags: { pgUri?: string }) => {
      const { runMigrate } = await import('./migrate-command.js');
      exitCode = await runMigrate(flags);
    });

  const keys = program.command('keys').description('manage API keys (each belongs to one organization)');
  keys
    .command('create')
    .description('create an API key; prints it alone on the last line, once')
    .requiredOption('--org <name>', 'the organization the key acts for (created when new)')
    .option('--label <text>', 'a note to recognise the key by')
    .option('--pg-uri <uri>', 'PostgreSQL connection URI (env LETTA_PG_URI)')
    .action(async (flags: { org: string; label?: string; pgUri?: string }) => {
      const { runKeysCreate } = await import('./keys-command.js');
      exitCode = await runKeysCreate(flags);
    });
  keys
    .command('list')
    .description('list API keys (never the secrets)')
    .option('--org <name>', 'only the keys of this organization')
    .option('--pg-uri <uri>', 'PostgreSQL connection URI (env LETTA_PG_URI)')
    .action(async (flags: { org?: string; pgUri?: string }) => {
      const { runKeysList } = await import('./keys-command.js');
      exitCode = await runKeysList(flags);
    });
  keys
    .command('callback-secret')
    .description("print the organization's callback signing secret (created on first use)")
    .requiredOption('--org <name>', 'the organization')
    .option('--rotate', 'replace it with a new one (receivers must switch)')
    .option('--pg-uri <uri>', 'PostgreSQL connection URI (env LETTA_PG_URI)')
    .action(async (flags: { org: string; rotate?: boolean; pgUri?: string }) => {
      const { runKeysCallbackSecret } = await import('./keys-command.js');
      exitCode = await runKeysCallbackSecret(flags);
    });
  keys
    .command('revoke')
    .description('revoke an API key (a running server stops accepting it within 30 s)')
    .argument('<id>', 'the key id, as shown by letta keys list')
    .option('--pg-uri <uri>', 'PostgreSQL connection URI (env LETTA_PG_URI)')
    .action(async (id: string, flags: { pgUri?: string }) => {
      const { runKeysRevoke } = await import('./keys-command.js');
      exitCode = await runKeysRevoke(id, flags);
    });

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    process.stderr.write(`letta: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
    return 1;
  }
}

/** The first line of a message, trimmed (errors from drivers can span lines). */
export function oneLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}
