/**
 * Type declarations for the Babel presets the island build uses; neither
 * package ships its own.
 */
declare module "babel-preset-solid" {
  import type { PluginItem } from "@babel/core";

  const preset: PluginItem;
  export default preset;
}

declare module "@babel/preset-typescript" {
  import type { PluginItem } from "@babel/core";

  const preset: PluginItem;
  export default preset;
}
