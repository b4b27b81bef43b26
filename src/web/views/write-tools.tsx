/** @jsxImportSource hono/jsx */
/**
 * With --monitor-writes: a form to set a key (text value and flags) and a
 * flush button. The island sends them with fetch (after a typed
 * confirmation for the flush); the routes check the request's origin.
 */
export function WriteTools() {
  return (
    <section class="write-tools" aria-label="Change keys">
      <details>
        <summary>Set a key</summary>
        <form class="set-form" method="post" action="/api/set">
          <label>
            Key
            <input name="key" required maxlength={250} autocomplete="off" spellcheck={false} />
          </label>
          <label>
            Value (text)
            <textarea name="value" rows={3} spellcheck={false} />
          </label>
          <label>
            Flags
            <input
              name="flags"
              type="number"
              min="0"
              max="4294967295"
              value="0"
              inputmode="numeric"
            />
          </label>
          <button type="submit">Set</button>
          <span class="write-status" role="status" />
        </form>
      </details>
      <form class="flush-form" method="post" action="/api/flush">
        <button type="submit" class="secondary outline danger">
          Flush all…
        </button>
        <span class="write-status" role="status" />
      </form>
    </section>
  );
}
