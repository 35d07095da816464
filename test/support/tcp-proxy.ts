import net from 'node:net';

/**
 * A TCP proxy in front of a real server that slows the client's uploads to `bytesPerSecond`
 * and can cut every connection at once, so a test can drop an SFTP session mid-file. With
 * `bytesPerSecond` Infinity it is a plain forwarder (listening on `listenHost`, e.g. a bridge address).
 */
export interface TcpProxy {
  port: number;
  /** Client connections open now: a session its client has closed is gone from the count. */
  openConnections(): number;
  drop(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, bytesPerSecond: number, listenHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const clients = new Set<net.Socket>();
  const server = net.createServer((client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.pipe(client);
    // Client -> server at the set rate: pause after each chunk for as long as it "took".
    client.on('data', (chunk: Buffer) => {
      client.pause();
      upstream.write(chunk);
      setTimeout(() => client.resume(), (chunk.length / bytesPerSecond) * 1000);
    });
  });
  server.listen(0, listenHost);
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    openConnections: () => clients.size,
    drop: () => sockets.forEach((s) => s.destroy()),
    close: () =>
      new Promise((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
