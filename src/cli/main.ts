/**
 * The `letta` command line: `letta server` (serve the API), `letta migrate` (apply database
 * migrations) and `letta keys create|list|revoke` (API keys, one organization each). Every failure is one line on stderr (`letta: <what went wrong>`) and a non-zero
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
    .action(async (flags: ServerFlags) => {
      const { runServer } = await import('./server-command.js');
      exitCode = await runServer(flags);
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
