/** The adjoint plugin for Vite: `import adjoint from "adjoint/vite"`, then `adjoint()` in the plugins. */
import { unplugin } from "./index.js";

export type { AdjointPluginOptions } from "./index.js";
export default unplugin.vite;
