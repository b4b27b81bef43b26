/**
 * Preloaded by `bun test` (see bunfig.toml): removes the temporary folders
 * the tests made (test/support/temporary-folders.ts) once they have run,
 * failed tests included.
 */
import { afterAll } from "bun:test";
import { removeAllTemporaryDirectories } from "../support/temporary-folders.ts";

afterAll(removeAllTemporaryDirectories);
