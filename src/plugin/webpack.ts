/** The adjoint plugin for webpack: `import adjoint from "adjoint/webpack"`, then `adjoint()` in the plugins. */
import { unplugin } from "./index.js";

export type { AdjointPluginOptions } from "./index.js";
export default unplugin.webpack;
