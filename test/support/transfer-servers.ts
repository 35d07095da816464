import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isListening } from './ports';

/**
 * Real FTP/FTPS (Debian's pure-ftpd) and SFTP (OpenSSH's sshd) servers for the distribution
 * tests, each in its own temporary directory on free ports. Files uploaded land under `root`.
 */
export interface TransferServer {
  port: number;
  /** Local directory the server's "/" (FTP) or remote paths (SFTP) map to. */
  root: string;
  username: string;
  /** Drops every open session at once, as a server restart or a network cut would. */
  dropSessions(): void;
  /** How many sessions are open: the processes the server forked, one per connection. */
  sessions(): number;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) every open session and what it forked: a server that hangs. */
  freezeSessions(frozen: boolean): void;
  stop(): Promise<void>;
}

export interface FtpServer extends TransferServer {
  password: string;
}

export interface SftpServer extends TransferServer {
  privateKey: string;
  hostFingerprint: string;
}

async function listening(port: number, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output.join('')}`);
    if (await isListening(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not listen on ${port}: ${output.join('')}`);
}

function start(command: string, args: string[]): { child: ChildProcess; output: string[] } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (d) => output.push(String(d)));
  child.stderr!.on('data', (d) => output.push(String(d)));
  return { child, output };
}

/** The per-session processes both servers fork for each connection. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there is no session
  }
}

/** Every process below pid, parents before their children, collected before any is signalled. */
function descendantsOf(pid: number): number[] {
  return childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child)]);
}

/**
 * Signals a session's whole tree as it stood before the first signal. Collected first and woken
 * children first: a parent woken earlier may exit at once and leave its still-stopped child
 * orphaned, out of reach of a later walk (sshd's internal-sftp and pure-ftpd's PRIV helper were).
 */
function signalDescendants(pid: number, signal: NodeJS.Signals): void {
  for (const member of descendantsOf(pid).reverse()) {
    try {
      process.kill(member, signal);
    } catch {
      // gone already
    }
  }
}

/** Kills every session below the server, helpers included, as a crash of the sessions would. */
const killSessions = (pid: number) => signalDescendants(pid, 'SIGKILL');

async function stopped(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    killSessions(child.pid!);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * pure-ftpd with one virtual user (no system account), explicit TLS available with a fresh
 * self-signed certificate, and uploads throttled to `uploadKBps` so a test can cut one mid-file.
 */
export async function startFtpServer(options: { uploadKBps?: number; tls?: boolean } = {}): Promise<FtpServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-ftpd-'));
  const root = path.join(dir, 'home');
  fs.mkdirSync(root);
  execFileSync('chown', ['nobody:nogroup', root]);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  fs.writeFileSync(path.join(dir, 'tls.pem'), Buffer.concat([fs.readFileSync(path.join(dir, 'key.pem')), fs.readFileSync(path.join(dir, 'cert.pem'))]), { mode: 0o600 });
  const password = 'ftp-test-password';
  // The passwd line written here rather than by `pure-pw useradd`, whose argon2id hash (t=255)
  // costs pure-ftpd seconds per login on a busy machine; SHA-512 crypt checks in milliseconds.
  const hash = execFileSync('openssl', ['passwd', '-6', password]).toString().trim();
  const [uid, gid] = ['-u', '-g'].map((flag) => execFileSync('id', [flag, 'nobody']).toString().trim());
  fs.writeFileSync(path.join(dir, 'passwd'), `esp:${hash}:${uid}:${gid}::${root}/./::::::::::::\n`);
  execFileSync('pure-pw', ['mkdb', path.join(dir, 'users.pdb'), '-f', path.join(dir, 'passwd')], { stdio: 'ignore' });
  const port = await freePort();
  const passive = 30000 + (port % 300) * 100;
  const { child, output } = start('/usr/sbin/pure-ftpd', [
    '-S', `127.0.0.1,${port}`,
    '-l', `puredb:${path.join(dir, 'users.pdb')}`,
    // -H: no reverse DNS lookup of clients (this machine has no resolver to answer it).
    '-E', '-A', '-j', '-H', '-u', '1',
    '-p', `${passive}:${passive + 99}`,
    // -Y 0: no TLS at all, for a test that the plain FTP client never asks for it.
    '-Y', options.tls === false ? '0' : '1', '-2', path.join(dir, 'tls.pem'),
    ...(options.uploadKBps ? ['-T', String(options.uploadKBps)] : []),
  ]);
  await listening(port, child, output);
  return { port, root, username: 'esp', password, dropSessions: () => killSessions(child.pid!), sessions: () => childrenOf(child.pid!).length, freezeSessions: (frozen) => signalDescendants(child.pid!, frozen ? 'SIGSTOP' : 'SIGCONT'), stop: () => stopped(child, dir) };
}

/** OpenSSH's sshd on a free port: key login for root, internal-sftp, exec allowed (for sha256sum). */
export async function startSftpServer(): Promise<SftpServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-sshd-'));
  const root = path.join(dir, 'files');
  fs.mkdirSync(root);
  fs.mkdirSync('/run/sshd', { recursive: true });
  for (const name of ['host', 'client']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, name)]);
  fs.copyFileSync(path.join(dir, 'client.pub'), path.join(dir, 'authorized_keys'));
  const port = await freePort();
  fs.writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'PermitRootLogin yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
    ].join('\n'),
  );
  const { child, output } = start('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')]);
  await listening(port, child, output);
  const hostFingerprint = execFileSync('ssh-keygen', ['-lf', path.join(dir, 'host.pub')]).toString().split(' ')[1];
  return {
    port,
    root,
    username: os.userInfo().username,
    privateKey: fs.readFileSync(path.join(dir, 'client'), 'utf8'),
    hostFingerprint,
    dropSessions: () => killSessions(child.pid!),
    sessions: () => childrenOf(child.pid!).length,
    freezeSessions: (frozen) => signalDescendants(child.pid!, frozen ? 'SIGSTOP' : 'SIGCONT'),
    stop: () => stopped(child, dir),
  };
}
