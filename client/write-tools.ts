/**
 * The write tools' forms (server-rendered with --monitor-writes): "Set a
 * key" and "Flush all", sent with fetch as form posts. A flush asks for a
 * typed confirmation first. The key list shows the result through the
 * live feed, like any memcached write.
 */
import { postWrite } from "./api.ts";
import { encodeKey } from "./shared/key-codec.ts";

/** What must be typed to confirm a flush. */
export const FLUSH_CONFIRMATION = "flush";

export function startWriteTools(options: { announce: (message: string) => void }): void {
  const setForm = document.querySelector<HTMLFormElement>(".set-form");
  const flushForm = document.querySelector<HTMLFormElement>(".flush-form");
  const report = (form: HTMLFormElement, message: string) => {
    const status = form.querySelector(".write-status");
    if (status !== null) status.textContent = message;
    options.announce(message);
  };
  const failed = (error: unknown) => (error instanceof Error ? error.message : String(error));

  setForm?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = new FormData(setForm);
    const typedKey = String(fields.get("key") ?? "").trim();
    try {
      await postWrite("/api/set", {
        key: encodeKey(new TextEncoder().encode(typedKey)),
        value: String(fields.get("value") ?? ""),
        flags: String(fields.get("flags") ?? "0"),
      });
      report(setForm, `Stored “${typedKey}”.`);
    } catch (error) {
      report(setForm, `Not stored: ${failed(error)}`);
    }
  });

  flushForm?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = window.prompt(
      `This removes every key. Type “${FLUSH_CONFIRMATION}” to remove them all.`,
    );
    if (typed?.trim() !== FLUSH_CONFIRMATION) {
      report(flushForm, "Nothing flushed.");
      return;
    }
    try {
      await postWrite("/api/flush", {});
      report(flushForm, "Every key was removed.");
    } catch (error) {
      report(flushForm, `Not flushed: ${failed(error)}`);
    }
  });
}
