/**
 * `npm run build`: bundles the monitor's island and stylesheet, then
 * compiles main.ts with them into one standalone executable,
 * dist/litecached, which needs no node_modules and reads no bunfig.toml,
 * .env, tsconfig.json or package.json from the folder it is started in.
 *
 *   bun build.ts [--outfile dist/litecached]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { BunPlugin } from "bun";
import type { ClientAssets } from "./src/web/client-assets.ts";
import { buildClientAssets } from "./src/web/client-build.ts";

const ROOT = import.meta.dir;

/** Swaps embedded-assets.ts, while compiling, for the built assets as string constants. */
function embedAssets(assets: ClientAssets): BunPlugin {
  return {
    name: "embed-monitor-assets",
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]web[\\/]embedded-assets\.ts$/ }, () => ({
        contents: `export const EMBEDDED_ASSETS = ${JSON.stringify(assets)};`,
        loader: "js",
      }));
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { outfile: { type: "string", default: join(ROOT, "dist", "litecached") } },
  });
  const outfile = values.outfile as string;
  const started = performance.now();

  const assets = await buildClientAssets();
  const result = await Bun.build({
    // The checkpoint worker is loaded by path (new Worker): it must be an
    // entrypoint of its own to be inside the executable.
    entrypoints: [join(ROOT, "main.ts"), join(ROOT, "src", "store", "checkpoint-worker.ts")],
    target: "bun",
    minify: true,
    sourcemap: "linked",
    bytecode: true,
    plugins: [embedAssets(assets)],
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    compile: {
      outfile,
      autoloadBunfig: false,
      autoloadDotenv: false,
      autoloadTsconfig: false,
      autoloadPackageJson: false,
    },
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    process.exit(1);
  }
  const size = Bun.file(outfile).size;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `built ${outfile} (${(size / 1024 / 1024).toFixed(1)} MiB; island ${assets.script.length} B, css ${assets.css.length} B) in ${seconds} s`,
  );
}

await main();
