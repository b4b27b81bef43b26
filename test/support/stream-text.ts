/**
 * A child process's output, read as it comes, so that its pipe never fills
 * up and the text is at hand when a test (or the bench) needs to show it.
 */

/** Reads `stream` to its end in the background; the function returns the text so far. */
export function collectText(stream: ReadableStream<Uint8Array>): () => string {
  let text = "";
  const decoder = new TextDecoder();
  void (async () => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  })();
  return () => text;
}
