import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP server on a free port that hands each accepted socket to `onSocket`, by default holding it
 * and never speaking: a peer that "connects" and then answers nothing, or only what a test scripts
 * (a Redis handshake, say). close() destroys the sockets it holds, then stops listening.
 */
export interface RawServer {
  port: number;
  close(): Promise<void>;
}

export async function startRawServer(onSocket: (socket: net.Socket) => void = () => undefined): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
