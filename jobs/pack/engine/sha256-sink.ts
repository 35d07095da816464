import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * A running SHA-256, fed in order. `inline` hashes on the calling thread (small books: posting
 * costs more than hashing); `threaded` hashes in a worker thread so the event loop stays free and
 * the two SHA-256s of a large book (the source's and each zip's) run beside each other on other
 * cores. A threaded update resolves once the worker has consumed the chunk, so a chunk backed by a
 * SharedArrayBuffer is shared, not copied, and may be reused only after that.
 */
export interface Sha256Sink {
  update(chunk: Uint8Array): Promise<void> | void;
  /** The digest of everything so far (hex); the sink starts over afterwards. */
  digest(): Promise<string> | string;
  close(): Promise<void>;
}

export function inlineSha256(): Sha256Sink {
  let hash = createHash('sha256');
  return {
    update: (chunk) => void hash.update(chunk),
    digest: () => {
      const hex = hash.digest('hex');
      hash = createHash('sha256');
      return hex;
    },
    close: async () => undefined,
  };
}

// Plain CommonJS, evaluated: the same code runs from the TypeScript sources and from dist/.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let hash = createHash('sha256');
parentPort.on('message', (chunk) => {
  if (chunk) { hash.update(chunk); parentPort.postMessage(null); return; }
  parentPort.postMessage(hash.digest('hex'));
  hash = createHash('sha256');
});`;

export function threadedSha256(): Sha256Sink {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  // Answers come back in the order the messages went out.
  const waiting: { resolve: (answer: string | null) => void; reject: (err: Error) => void }[] = [];
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    for (const w of waiting.splice(0)) w.reject(err);
  };
  worker.on('message', (answer: string | null) => waiting.shift()?.resolve(answer));
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the hashing thread exited (${code})`)));
  const ask = (message: Uint8Array | null) =>
    new Promise<string | null>((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.push({ resolve, reject });
      worker.postMessage(message);
    });
  return {
    update: async (chunk) => void (await ask(chunk)),
    digest: async () => (await ask(null)) as string,
    close: async () => {
      failure ??= new Error('the hashing thread was closed');
      await worker.terminate();
    },
  };
}
