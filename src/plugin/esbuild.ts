/** The adjoint plugin for esbuild: `import adjoint from "adjoint/esbuild"`, then `adjoint()` in the plugins. */
import { unplugin } from "./index.js";

export type { AdjointPluginOptions } from "./index.js";
export default unplugin.esbuild;
