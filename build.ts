/**
 * The build, in one place:
 *
 *   bun build.ts [--outfile dist/litecached]   (npm run build)
 *     bundles the monitor's island and stylesheet, then compiles main.ts
 *     with them into one standalone executable, dist/litecached, which
 *     needs no node_modules and reads no bunfig.toml, .env, tsconfig.json
 *     or package.json from the folder it is started in.
 *   bun build.ts --assets-json
 *     prints the island and stylesheet as JSON: the server, run from
 *     source, builds them this way in a child process (client-assets.ts
 *     imports BUILD_SCRIPT from here; Babel is loaded only when a build
 *     runs, so that import costs the server nothing).
 *
 * Bun's bundler compiles JSX the React way; Solid needs its own JSX
 * compiler, so a small plugin runs Babel with babel-preset-solid on
 * client/**\/*.tsx. Bundling for the browser target picks solid-js's
 * browser build (its server build throws "Client-only API called on the
 * server side").
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { BunPlugin } from "bun";
import type { ClientAssets } from "./src/web/client-assets.ts";

/** This script, for the server to run it when it needs the assets from source. */
export const BUILD_SCRIPT = import.meta.path;

const ROOT = import.meta.dir;
const CLIENT_DIRECTORY = join(ROOT, "client");

export const solidJsxPlugin: BunPlugin = {
  name: "solid-jsx",
  async setup(build) {
    const [{ transformAsync }, typescriptPreset, solidPreset] = await Promise.all([
      import("@babel/core"),
      import("@babel/preset-typescript").then((module) => module.default),
      import("babel-preset-solid").then((module) => module.default),
    ]);
    build.onLoad({ filter: /[\\/]client[\\/].*\.tsx$/ }, async ({ path }) => {
      const source = await Bun.file(path).text();
      const result = await transformAsync(source, {
        filename: path,
        babelrc: false,
        configFile: false,
        sourceMaps: false,
        presets: [
          [solidPreset, { generate: "dom" }],
          [typescriptPreset, { isTSX: true, allExtensions: true, onlyRemoveTypeImports: false }],
        ],
      });
      if (result?.code == null) throw new Error(`Babel produced no code for ${path}`);
      return { contents: result.code, loader: "js" };
    });
  },
};

export async function buildClientAssets(): Promise<ClientAssets> {
  const [script, css] = await Promise.all([
    bundleOne(join(CLIENT_DIRECTORY, "monitor.tsx"), [solidJsxPlugin]),
    bundleOne(join(CLIENT_DIRECTORY, "monitor.css"), []),
  ]);
  return { script, css };
}

async function bundleOne(entrypoint: string, plugins: BunPlugin[]): Promise<string> {
  const result = await Bun.build({
    entrypoints: [entrypoint],
    target: "browser",
    format: "esm",
    minify: true,
    plugins,
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
  });
  if (!result.success) {
    throw new AggregateError(result.logs, `cannot bundle ${entrypoint}`);
  }
  const [output] = result.outputs;
  if (output === undefined) throw new Error(`bundling ${entrypoint} produced nothing`);
  return await output.text();
}

/**
 * While compiling: swaps embedded-assets.ts for the built assets as string
 * constants, and this build script for a stub (the binary never builds).
 */
function embedAssets(assets: ClientAssets): BunPlugin {
  return {
    name: "embed-monitor-assets",
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]web[\\/]embedded-assets\.ts$/ }, () => ({
        contents: `export const EMBEDDED_ASSETS = ${JSON.stringify(assets)};`,
        loader: "js",
      }));
      const thisScript = new RegExp(`^${BUILD_SCRIPT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
      build.onLoad({ filter: thisScript }, () => ({
        contents: `export const BUILD_SCRIPT = "";`,
        loader: "js",
      }));
    },
  };
}

async function compileBinary(outfile: string): Promise<void> {
  const started = performance.now();
  const assets = await buildClientAssets();
  const result = await Bun.build({
    // The workers (checkpoints, the monitor) are loaded by path (new Worker):
    // each must be an entrypoint of its own to be inside the executable. The
    // monitor's worker gets the embedded assets too (the plugin below swaps
    // embedded-assets.ts in every entrypoint).
    entrypoints: [
      join(ROOT, "main.ts"),
      join(ROOT, "src", "store", "checkpoint-worker.ts"),
      join(ROOT, "src", "web", "monitor-worker.ts"),
    ],
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

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      outfile: { type: "string", default: join(ROOT, "dist", "litecached") },
      "assets-json": { type: "boolean", default: false },
    },
  });
  if (values["assets-json"]) process.stdout.write(JSON.stringify(await buildClientAssets()));
  else await compileBinary(values.outfile as string);
}
