import { RemoteSession, TransferError } from './remote-session';

/**
 * Runs a transfer that calls `alive` whenever bytes move, and fails it with a (retryable)
 * TransferError once none moved for `stallMs`, after `abort` has closed its session. A client
 * library can leave a transfer pending for good when the server dies at the wrong moment: basic-ftp
 * 6 did, mid-STOR, when the server's session process was killed (test/distribution.test.ts).
 */
export async function withStallGuard<T>(stallMs: number, transfer: (alive: () => void) => Promise<T>, abort: () => void): Promise<T> {
  let lastProgress = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_resolve, reject) => {
    timer = setInterval(() => {
      if (Date.now() - lastProgress < stallMs) return;
      clearInterval(timer);
      abort();
      reject(new TransferError(`no bytes moved for ${stallMs / 1000} s; the connection was given up`, false));
    }, Math.ceil(stallMs / 10));
  });
  const running = transfer(() => (lastProgress = Date.now()));
  // Once given up, the abandoned transfer may still fail later: that failure is already reported.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, stalled]);
  } finally {
    clearInterval(timer);
  }
}

/** The session with every upload under `withStallGuard`: given up, and the session closed, after `stallMs` without a byte moving. */
export function guardUploads(session: RemoteSession, stallMs: number): RemoteSession {
  return {
    ...session,
    upload: (open, remotePath, offset, onBytes) =>
      withStallGuard(
        stallMs,
        (alive) =>
          session.upload(open, remotePath, offset, (sent) => {
            alive();
            onBytes(sent);
          }),
        () => session.close(),
      ),
  };
}
