/**
 * The API's JSON shapes live with the browser's modules, in
 * client/shared/api-types.ts; this re-export keeps older imports (bench/)
 * working.
 */
export type * from "../../client/shared/api-types.ts";
