// usage: node scratch/harness.mjs file.ts points.json  (compiles, then checks every @jacobian fn)
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ts } from "ts-morph";
const [file, pointsFile] = process.argv.slice(2);
if (!process.env.NOCOMPILE) execFileSync("node", ["bin/adjoint.js", file], { stdio: "inherit" });
const grad = file.replace(/\.ts$/, ".grad.ts");
const src = file.replace(/\.ts$/, ".src.mjs");
const out = file.replace(/\.ts$/, ".grad.mjs");
const tr = (s) => ts.transpileModule(s, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
writeFileSync(src, tr(readFileSync(file, "utf8")));
writeFileSync(out, tr(readFileSync(grad, "utf8").replace(/from "\.\/([^"]+)\.js"/g, (m, b) => `from "./${b}.src.mjs"`)));
const G = await import(pathToFileURL(path.resolve(out)).href + "?" + Date.now());
const S = await import(pathToFileURL(path.resolve(src)).href + "?" + Date.now());
const points = JSON.parse(readFileSync(pointsFile, "utf8"));
let seed = 12345;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 * 2 - 1; };
const K = 3;
const clone = (v) => (ArrayBuffer.isView(v) ? v.slice() : Array.isArray(v) ? v.map(clone) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) : v);
const randLike = (v) => (typeof v === "number" ? rnd() : ArrayBuffer.isView(v) ? v.map(() => rnd()) : Array.isArray(v) ? v.map(randLike) : null);
const flat = (v) => (typeof v === "number" ? [v] : ArrayBuffer.isView(v) || Array.isArray(v) ? Array.from(v).flatMap(flat) : Object.values(v).flatMap(flat));
function packed(values) {
  const first = values[0];
  if (typeof first === "number") return Float64Array.from(values);
  if (ArrayBuffer.isView(first) || (Array.isArray(first) && typeof first[0] !== "object")) {
    const lanes = new Float64Array(first.length * values.length);
    values.forEach((a, d) => { for (let i = 0; i < a.length; i++) lanes[i * values.length + d] = a[i]; });
    return lanes;
  }
  return first.map((_, r) => packed(values.map((v) => v[r])));
}
const axpy = (x, t, h) => (typeof x === "number" ? x + h * t : ArrayBuffer.isView(x) ? x.map((e, i) => e + h * t[i]) : Array.isArray(x) ? x.map((e, i) => axpy(e, t[i], h)) : x);
// a point's arrays: typed arrays marked as {"f64": [...]}
const revive = (v) => (v && typeof v === "object" && !Array.isArray(v) && v.f64 ? Float64Array.from(v.f64) : Array.isArray(v) ? v.map(revive) : v);
let bad = 0;
for (const [name, pts] of Object.entries(points)) {
  const jvp = G[name + "Jvp"], batch = G[name + "JvpBatch"], f = S[name];
  if (!batch) { console.log(`${name}: NO JvpBatch`); bad++; continue; }
  const gs = readFileSync(grad, "utf8");
  const sig = gs.slice(gs.indexOf(`export function ${name}JvpBatch(`)).split("directions: number")[0];
  const keys = [...sig.matchAll(/tangents: \{([^}]*)\}/g)][0][1].split(";").map((s) => s.split(":")[0].trim()).filter(Boolean);
  const pnames = batch.toString().match(/\(([^)]*)\)/)[1].split(",").map((s) => s.trim()).slice(0, -2);
  for (const raw of pts) {
    const args = revive(raw);
    const dirs = Array.from({ length: K }, () => Object.fromEntries(keys.map((k) => [k, randLike(args[pnames.indexOf(k)])])));
    const singles = dirs.map((t) => jvp(...clone(args), clone(t)));
    const argsB = clone(args);
    const tB = Object.fromEntries(keys.map((k) => [k, packed(dirs.map((t) => t[k]))]));
    const tB0 = clone(tB);
    let r;
    try { r = batch(...argsB, tB, K); } catch (e) { console.log(`${name} ${JSON.stringify(raw)}: CRASH ${e.stack.split("\n").slice(0,2).join(" ")}`); bad++; continue; }
    const bt = flat(r.tangent);
    const bv = JSON.stringify(flat(r.value));
    // a second call (other directions, fewer of them) must leave the first one's result alone
    {
      const K2 = 2;
      const d2 = Array.from({ length: K2 }, () => Object.fromEntries(keys.map((k) => [k, randLike(args[pnames.indexOf(k)])])));
      const r2 = batch(...clone(args), Object.fromEntries(keys.map((k) => [k, packed(d2.map((t) => t[k]))])), K2);
      const b2 = flat(r2.tangent);
      d2.forEach((t, d) => {
        const st = flat(jvp(...clone(args), clone(t)).tangent);
        st.forEach((x, i) => { if (Math.abs(x - b2[i * K2 + d]) > 1e-9 * (1 + Math.abs(x))) { console.log(`${name}: K=2 call differs at ${i} lane ${d}: ${b2[i*K2+d]} vs ${x}`); bad++; } });
      });
      const again = batch(...clone(args), clone(tB0), K);
      if (JSON.stringify(flat(again.tangent)) !== JSON.stringify(bt)) { console.log(`${name}: repeat call differs`); bad++; }
      if (JSON.stringify(flat(r.value)) !== bv) { console.log(`${name}: first value clobbered`); bad++; }
      if (JSON.stringify(flat(r.tangent)) !== JSON.stringify(bt)) { console.log(`${name}: first result clobbered by later calls`); bad++; }
    }
    const msgs = [];
    if (JSON.stringify(flat(r.value)) !== JSON.stringify(flat(singles[0].value))) msgs.push("value differs");
    if (JSON.stringify(flat(argsB)) !== JSON.stringify(flat(args)) || JSON.stringify(flat(tB)) !== JSON.stringify(flat(tB0))) msgs.push("inputs modified");
    singles.forEach((s, d) => {
      const st = flat(s.tangent);
      const n = st.length;
      if (bt.length !== n * K) { msgs.push(`len ${bt.length} vs ${n}*${K}`); return; }
      // FD
      const h = 1e-6;
      const full = pnames.map((p) => (keys.includes(p) ? dirs[d][p] : null));
      const plus = flat(f(...args.map((a, i) => (full[i] ? axpy(clone(a), full[i], h) : clone(a)))));
      const minus = flat(f(...args.map((a, i) => (full[i] ? axpy(clone(a), full[i], -h) : clone(a)))));
      for (let i = 0; i < n; i++) {
        const b = bt[i * K + d], j = st[i], fd = (plus[i] - minus[i]) / (2 * h);
        const tol = (a, c) => Math.abs(a - c) <= 1e-9 * (1 + Math.abs(c));
        if (!tol(b, j)) msgs.push(`d${d}[${i}] batch ${b} jvp ${j} fd ${fd}`);
        else if (Math.abs(j - fd) > 1e-4 * (1 + Math.abs(fd))) msgs.push(`d${d}[${i}] jvp=batch ${j} but fd ${fd}`);
      }
    });
    if (msgs.length) { bad++; console.log(`${name} ${JSON.stringify(raw).slice(0, 80)}: ${msgs.slice(0, 4).join("; ")}`); }
  }
  console.log(`${name}: checked ${pts.length}`);
}
console.log(bad ? `BAD ${bad}` : "ALL OK");
