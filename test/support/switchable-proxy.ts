import net from 'node:net';

/**
 * A TCP proxy in front of a real server (MariaDB) that a test can cut, so the server looks
 * unreachable to the processes behind it (open connections dropped, new ones refused), and
 * restore again.
 */
export interface SwitchableProxy {
  port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startSwitchableProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<SwitchableProxy> {
  const sockets = new Set<net.Socket>();
  let open = true;
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
    client.pipe(upstream).pipe(client);
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
    close: () =>
      new Promise((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
