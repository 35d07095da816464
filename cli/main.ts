#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { ApiClient, ApiError } from './api-client';
import { readConfig } from './config-store';
import { browseCommands } from './commands/register-browse';
import { importCommand } from './commands/import';
import { loginCommand } from './commands/login';
import { cancelCommand, ReleaseFlags, releaseCommand, retryCommand } from './commands/release';
import { exportSettings, importSettings } from './commands/settings';
import { uploadCommand } from './commands/upload';
import { EXIT, Output, UsageError } from './output';

/** esp: the command-line client of the eBook Scene Packer API. */
const program = new Command('esp')
  .description('Command-line client of the eBook Scene Packer API')
  .option('--json', 'one JSON object per line (events, then the result) instead of text')
  .option('--url <url>', 'the API, instead of the one saved by esp login (or ESP_URL)')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text) });

const outputOf = () => new Output(Boolean(program.opts().json));

/** The API client from the saved login; --url or ESP_URL points it at another instance. */
function clientOf(): ApiClient {
  const saved = readConfig();
  if (!saved) throw new UsageError('not logged in: run esp login first');
  const url = program.opts().url ?? process.env.ESP_URL;
  return url ? new ApiClient({ ...saved, url }, false) : new ApiClient(saved);
}

/** Runs a command and exits with its code; errors print the API's message and request id. */
function run<A extends unknown[]>(action: (out: Output, ...args: A) => Promise<number>) {
  return async (...args: A) => {
    const out = outputOf();
    let code: number;
    try {
      code = await action(out, ...args);
    } catch (err) {
      code = report(out, err);
    }
    process.exitCode = code;
  };
}

function report(out: Output, err: unknown): number {
  if (err instanceof UsageError) {
    if (out.json) out.event('error', { code: 'USAGE', message: err.message });
    else process.stderr.write(`esp: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof ApiError) {
    if (out.json) out.event('error', { status: err.status, code: err.code, message: err.message, requestId: err.requestId, details: err.details });
    else process.stderr.write(`esp: ${err.message} (${err.code}, HTTP ${err.status}, request id ${err.requestId ?? 'none'})\n`);
    return err.status === 400 ? EXIT.usage : EXIT.failed;
  }
  const message = (err as Error).message ?? String(err);
  if (out.json) out.event('error', { code: 'CLIENT', message });
  else process.stderr.write(`esp: ${message}\n`);
  return EXIT.failed;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const releaseOptions = (command: Command) =>
  command
    .requiredOption('-g, --group <tag>', 'group the release is packed for')
    .addOption(new Option('-s, --source <source>', 'RETAIL, SCAN or HYBRID').choices(['RETAIL', 'SCAN', 'HYBRID', 'retail', 'scan', 'hybrid']))
    .option('--volume-size <mb>', 'zip volume size in MB (checked against the rule)')
    .option('--template <id>', 'NFO template id')
    .option('--destination <id>', 'destination id (repeat for more)', collect)
    .option('--proof-url <url>', 'store page proving a RETAiL edition');

program
  .command('login')
  .description('log in and save the URL and tokens (mode 0600) in $XDG_CONFIG_HOME/esp/config.json')
  .option('--email <email>', 'account email')
  .option('--password-stdin', 'read the password from standard input (else ESP_PASSWORD, else a prompt)')
  .action(run((out, opts: { email?: string; passwordStdin?: boolean }) => loginCommand(out, program.opts().url ?? process.env.ESP_URL ?? readConfig()?.url, opts.email, opts)));

program
  .command('upload')
  .description('upload books, each with a progress bar (bytes, speed, ETA)')
  .argument('<files...>')
  .action(run((out, files: string[]) => uploadCommand(clientOf(), out, files)));

releaseOptions(program.command('release'))
  .description('preview a release of a file or upload, then request it and follow it to the end (exit 0 done, 1 failed, 3 held for review)')
  .argument('<file-or-upload-id>')
  .option('--dry-run', 'show the preview only')
  .action(run((out, target: string, flags: ReleaseFlags) => releaseCommand(clientOf(), out, target, flags)));

releaseOptions(program.command('import'))
  .description('upload every book under a folder (skipping what the API already holds) and request its release; safe to interrupt and rerun')
  .argument('<dir>')
  .option('-c, --concurrency <n>', 'uploads at a time', '3')
  .action(run((out, dir: string, flags: ReleaseFlags & { concurrency: string }) => importCommand(clientOf(), out, dir, flags)));

browseCommands(program, run, clientOf);

program
  .command('cancel')
  .description('cancel a release that is queued or in review')
  .argument('<id>')
  .action(run((out, id: string) => cancelCommand(clientOf(), out, id)));

program
  .command('retry')
  .description('request a failed or cancelled release again (same upload and options) and follow it')
  .argument('<id>')
  .option('--no-wait', 'do not follow the new release')
  .action(run((out, id: string, opts: { wait: boolean }) => retryCommand(clientOf(), out, id, opts.wait)));

program
  .command('export-settings')
  .description('groups, rules, templates and destinations (never secrets) as JSON, to a file or stdout')
  .argument('[file]')
  .action(run((out, file?: string) => exportSettings(clientOf(), out, file)));

program
  .command('import-settings')
  .description('create or update groups, rules, templates and destinations from an export')
  .argument('<file>')
  .action(run((out, file: string) => importSettings(clientOf(), out, file)));

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.done : EXIT.usage;
    return;
  }
  process.exitCode = report(outputOf(), err);
});
