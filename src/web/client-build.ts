/**
 * Builds the island (client/monitor.tsx) and the stylesheet (Pico CSS plus
 * client/monitor.css) into two strings, in memory. Used by build.ts before
 * compiling the binary; run as a script (printing the two as JSON), by
 * client-assets.ts when the server runs from source.
 *
 * Bun's bundler compiles JSX the React way; Solid needs its own JSX
 * compiler, so a small plugin runs Babel with babel-preset-solid on
 * client/**\/*.tsx. Bundling for the browser target picks solid-js's
 * browser build (its server build throws "Client-only API called on the
 * server side").
 */
import { join } from "node:path";
import { transformAsync } from "@babel/core";
import typescriptPreset from "@babel/preset-typescript";
import solidPreset from "babel-preset-solid";
import type { BunPlugin } from "bun";
import type { ClientAssets } from "./client-assets.ts";

const CLIENT_DIRECTORY = join(import.meta.dir, "..", "..", "client");

export const solidJsxPlugin: BunPlugin = {
  name: "solid-jsx",
  setup(build) {
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

if (import.meta.main) {
  process.stdout.write(JSON.stringify(await buildClientAssets()));
}
