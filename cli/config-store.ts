import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What `esp login` stores: the instance and the tokens of the login. */
export interface CliConfig {
  url: string;
  accessToken: string;
  refreshToken?: string;
  email?: string;
}

/** $XDG_CONFIG_HOME/esp (or ~/.config/esp): the config file and the batch-import state files. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(base, 'esp');
}

export const configPath = (env?: NodeJS.ProcessEnv) => path.join(configDir(env), 'config.json');

export function readConfig(env?: NodeJS.ProcessEnv): CliConfig | undefined {
  try {
    return JSON.parse(fs.readFileSync(configPath(env), 'utf8')) as CliConfig;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes a JSON file readable by its owner only, whole or not at all (temp + rename). */
export function writePrivateJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(temp, 0o600);
  fs.renameSync(temp, file);
}

export function writeConfig(config: CliConfig, env?: NodeJS.ProcessEnv): void {
  writePrivateJson(configPath(env), config);
}
