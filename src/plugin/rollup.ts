/** The adjoint plugin for Rollup: `import adjoint from "adjoint/rollup"`, then `adjoint()` in the plugins. */
import { unplugin } from "./index.js";

export type { AdjointPluginOptions } from "./index.js";
export default unplugin.rollup;
