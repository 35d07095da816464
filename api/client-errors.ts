import { STATUS_CODES, Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** What Node's parser refuses before Express sees a request, as our error codes. */
const REFUSALS: Record<string, [status: number, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'HEADERS_TOO_LARGE', 'The request headers are larger than the server accepts'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'The request took too long to arrive'],
};
const MALFORMED: [number, string, string] = [400, 'BAD_REQUEST', 'The request is not valid HTTP'];

/**
 * Requests refused by Node's HTTP parser (headers too large, malformed, too slow) get the API's
 * JSON error shape instead of Node's bare status line; there is no request yet, so no request id.
 */
export function answerClientErrors(server: Server): Server {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A peer that has gone (a reset, a half-sent request) has no one left to read an answer.
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const [status, code, message] = REFUSALS[err.code ?? ''] ?? MALFORMED;
    const body = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}
