#!/usr/bin/env node
// The GradBench tool: speaks GradBench's protocol on stdin and stdout (see the README).
import { main } from "../dist/gradbench/tool.js";

await main();
