/** One server-sent event as a test reads it: its id, its name and its JSON data. */
export interface EventFrame {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/**
 * A live SSE connection (GET /api/events) read with fetch, as a browser's EventSource would: the
 * frames it got so far (named ones; comments and keep-alives are skipped), whether the server
 * ended it, and a way to hang up.
 */
export async function openEventStream(url: string, headers: Record<string, string>) {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const frames: EventFrame[] = [];
  let ended = false;
  const done = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          if (field('event')) frames.push({ id: field('id'), event: field('event')!, data: JSON.parse(field('data') ?? '{}') });
        }
      }
      ended = true;
    } catch {
      // Aborted by the test.
    }
  })();
  return {
    res,
    frames,
    ended: () => ended,
    async close() {
      abort.abort();
      await done;
    },
  };
}
