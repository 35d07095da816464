import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startTcpProxy, TcpProxy } from './tcp-proxy';

/**
 * Test hosts as Linux network namespaces: each has only its loopback and one veth cable to a
 * bridge in the root namespace (10.<a>.<b>.1/24, the "switch"). Processes started in a host see
 * nothing of the root namespace's 127.0.0.1: what they share must be forwarded to the bridge's
 * address on purpose (`forward`). Needs root (CAP_NET_ADMIN) and `ip`.
 */
export interface TestNetwork {
  /** The root namespace's address on the bridge: where forwarded services answer. */
  gateway: string;
  addHost(label: string): Host;
  /** Listens on the gateway and forwards each connection to 127.0.0.1:targetPort; returns the listening port. */
  forward(targetPort: number): Promise<number>;
  /** Removes every namespace, veth and the bridge, and closes the forwarders; safe to call twice. */
  destroy(): Promise<void>;
}

export interface Host {
  name: string;
  address: string;
  /** Starts a command inside this host's namespace. */
  spawn(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string }): ChildProcess;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Why namespaces cannot be made here (not root, no `ip`, no permission), or undefined when they can. */
export function namespacesUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = `esp-probe-${randomBytes(3).toString('hex')}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return undefined;
  } catch (err) {
    return `cannot create a network namespace: ${(err as Error).message.split('\n')[0]}`;
  }
}

export function createTestNetwork(): TestNetwork {
  const id = randomBytes(3).toString('hex');
  // 10.<200-249>.<0-255>.0/24, picked per run so concurrent runs do not collide.
  const subnet = `10.${200 + (parseInt(id.slice(0, 2), 16) % 50)}.${parseInt(id.slice(2, 4), 16)}`;
  const gateway = `${subnet}.1`;
  const bridge = `espbr${id}`;
  const hosts: string[] = [];
  const links: string[] = [bridge];
  const proxies: TcpProxy[] = [];
  ip('link', 'add', bridge, 'type', 'bridge');
  ip('addr', 'add', `${gateway}/24`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');

  return {
    gateway,
    addHost(label) {
      const n = hosts.length + 2;
      const name = `esp-${label}-${id}`;
      const outside = `espv${id}${n}`;
      const address = `${subnet}.${n}`;
      hosts.push(name);
      ip('netns', 'add', name);
      links.push(outside);
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name);
      ip('link', 'set', outside, 'master', bridge);
      ip('link', 'set', outside, 'up');
      ip('-n', name, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', name, 'link', 'set', 'eth0', 'up');
      ip('-n', name, 'link', 'set', 'lo', 'up');
      return {
        name,
        address,
        spawn: (command, args, options) => spawn('ip', ['netns', 'exec', name, command, ...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] }),
      };
    },
    async forward(targetPort) {
      const proxy = await startTcpProxy(targetPort, Number.POSITIVE_INFINITY, gateway);
      proxies.push(proxy);
      return proxy.port;
    },
    async destroy() {
      await Promise.all(proxies.splice(0).map((p) => p.close()));
      for (const name of hosts.splice(0)) {
        try {
          ip('netns', 'del', name); // takes its end of the veth, and so the pair, with it
        } catch {
          // already gone
        }
      }
      for (const link of links.splice(0).reverse()) {
        try {
          ip('link', 'del', link);
        } catch {
          // went with its namespace
        }
      }
    },
  };
}
