import net from 'node:net';
import { withTimeout } from './timeout';

/** Holds this process's event loop, as a long synchronous request would. */
const blockLoop = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe('withTimeout', () => {
  let server: net.Server;
  let port: number;
  beforeAll(async () => {
    // Answers every line at once, like a database's "select 1".
    server = net.createServer((socket) => socket.on('data', () => socket.write('pong\n')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  /** Sends a ping and resolves on the answer; `whileSent` runs right after the ping is written. */
  function ping(whileSent: () => void): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write('ping\n', whileSent);
      });
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().trim());
      });
      socket.once('error', reject);
    });
  }

  it('gives up work that does not settle, once the time has passed and not before', async () => {
    const started = performance.now();
    await expect(withTimeout(new Promise(() => undefined), 300, 'the check')).rejects.toThrow('the check timed out after 300 ms');
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(299);
    expect(took).toBeLessThan(3000);
  });

  it('passes on the value or the error of work that settles in time', async () => {
    await expect(withTimeout(ping(() => undefined), 1000, 'ping')).resolves.toBe('pong');
    const refused = new Error('connection refused');
    await expect(withTimeout(Promise.reject(refused), 1000, 'ping')).rejects.toBe(refused);
  });

  it('does not count time its own event loop was blocked: an answer that arrived meanwhile wins', async () => {
    // The server answers within a millisecond, but this process is held for three times the timeout
    // right after the ping leaves; a deadline measured on the wall clock would call it timed out.
    const answer = withTimeout(ping(() => blockLoop(600)), 200, 'ping');
    await expect(answer).resolves.toBe('pong');
  });

  it('still times out work that stays silent after the loop was blocked', async () => {
    const started = performance.now();
    const silent = withTimeout(new Promise(() => undefined), 200, 'the check');
    blockLoop(600);
    await expect(silent).rejects.toThrow('the check timed out after 200 ms');
    // The blocked 600 ms count as at most one slice; the rest of the 200 ms is waited afterwards.
    expect(performance.now() - started).toBeGreaterThanOrEqual(600 + 150 - 1);
  });
});
