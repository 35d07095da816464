import net from 'node:net';
import { Transform } from 'node:stream';

/**
 * A TCP proxy in front of a real server (MariaDB, Redis) that a test can cut, so the server looks
 * unreachable to the processes behind it (open connections dropped, new ones refused), and
 * restore again; or slow, so every command a client sends reaches the server late.
 */
export interface SwitchableProxy {
  port: number;
  cut(): void;
  restore(): void;
  /** From now on what clients send is held `ms` before it goes on (in order; answers come back at once). */
  delay(ms: number): void;
  close(): Promise<void>;
}

export async function startSwitchableProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<SwitchableProxy> {
  const sockets = new Set<net.Socket>();
  let open = true;
  let delayMs = 0;
  const server = net.createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    // One chunk at a time, each held while a delay is set: order and back-pressure as a plain pipe's.
    const held = new Transform({ transform: (chunk, _encoding, done) => (delayMs ? setTimeout(() => done(null, chunk), delayMs) : done(null, chunk)) });
    client.pipe(held).pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      open = false;
      sockets.forEach((s) => s.destroy());
    },
    restore() {
      open = true;
    },
    delay(ms) {
      delayMs = ms;
    },
    close: () =>
      new Promise((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
