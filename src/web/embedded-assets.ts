/**
 * The island's script and stylesheet as compiled into the binary. In the
 * source tree this is null and client-assets.ts builds them on first use; build.ts
 * replaces this module with the built text when it compiles dist/litecached.
 */
import type { ClientAssets } from "./client-assets.ts";

export const EMBEDDED_ASSETS: ClientAssets | null = null;
