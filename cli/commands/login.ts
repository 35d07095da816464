import readline from 'node:readline';
import { login } from '../api-client';
import { configPath, writeConfig } from '../config-store';
import { EXIT, Output, UsageError } from '../output';

/** The password from --password-stdin, ESP_PASSWORD, or a prompt on a terminal. */
async function passwordOf(fromStdin: boolean): Promise<string> {
  if (!fromStdin && process.env.ESP_PASSWORD) return process.env.ESP_PASSWORD;
  if (!fromStdin && !process.stdin.isTTY) throw new UsageError('give the password with --password-stdin or ESP_PASSWORD (no terminal to ask on)');
  if (!fromStdin) process.stderr.write('Password: ');
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  throw new UsageError('no password given on standard input');
}

export async function loginCommand(out: Output, url: string | undefined, email: string | undefined, flags: { passwordStdin?: boolean }): Promise<number> {
  if (!url) throw new UsageError('give the API URL: esp login --url http://127.0.0.1:5000 --email you@example.com');
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`${url} is not an http(s) URL`);
  if (!email) throw new UsageError('give --email');
  const config = await login(url, email, await passwordOf(Boolean(flags.passwordStdin)));
  writeConfig(config);
  out.result({ url: config.url, email, config: configPath() }, () => `logged in to ${config.url} as ${email} (saved in ${configPath()})`);
  return EXIT.done;
}
