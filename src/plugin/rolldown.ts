/** The adjoint plugin for Rolldown: `import adjoint from "adjoint/rolldown"`, then `adjoint()` in the plugins. */
import { unplugin } from "./index.js";

export type { AdjointPluginOptions } from "./index.js";
export default unplugin.rolldown;
