/**
 * NDJSON lines from a fetch body, as an async iterator: each line is yielded as soon as its
 * newline arrives (a line split across network chunks, or a character split across them, is
 * joined first).
 *
 * @example
 * for await (const line of ndjsonLines(response.body)) console.log(line);
 */
export async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) yield JSON.parse(line);
        nl = buffered.indexOf('\n');
      }
    }
    const rest = (buffered + decoder.decode()).trim();
    if (rest) yield JSON.parse(rest);
  } finally {
    // Stops the download when the consumer leaves the loop early.
    await reader.cancel().catch(() => {});
  }
}
