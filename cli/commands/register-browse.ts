import type { Command } from 'commander';
import type { ApiClient } from '../api-client';
import type { Output } from '../output';
import { downloadCommand, ListFlags, listCommand, showCommand } from './browse';

type Runner = <A extends unknown[]>(action: (out: Output, ...args: A) => Promise<number>) => (...args: A) => Promise<void>;

/** esp list, show and download. */
export function browseCommands(program: Command, run: Runner, clientOf: () => ApiClient): void {
  program
    .command('list')
    .description('releases, newest first')
    .option('--state <state>', 'queued, inspecting, enriching, review, packing, done, failed or cancelled')
    .option('--group <tag>')
    .option('-q, --q <text>', 'search in names')
    .option('--page <n>')
    .option('--page-size <n>')
    .action(run((out, flags: ListFlags) => listCommand(clientOf(), out, flags)));
  program
    .command('show')
    .description("a release's state, files and NFO")
    .argument('<id>')
    .action(run((out, id: string) => showCommand(clientOf(), out, id)));
  program
    .command('download')
    .description('every file of a done release into DIR/<release name>/, checked against its SHA-256')
    .argument('<id>')
    .argument('[dir]', 'target folder', '.')
    .action(run((out, id: string, dir: string) => downloadCommand(clientOf(), out, id, dir)));
}
