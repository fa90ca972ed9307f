// node scratch/jac.mjs t1 : checks fJacobianForward/Reverse/fJacobian against each other and central differences
import { readFileSync } from "node:fs";
const base = process.argv[2];
const G = await import(`./${base}.grad.mjs`);
const S = await import(`./${base}.src.mjs`);
const points = JSON.parse(readFileSync(`scratch/${base}.json`, "utf8"));
const revive = (v) => (v && typeof v === "object" && !Array.isArray(v) && v.f64 ? Float64Array.from(v.f64) : Array.isArray(v) ? v.map(revive) : v);
const clone = (v) => (ArrayBuffer.isView(v) ? v.slice() : Array.isArray(v) ? v.map(clone) : v);
const flat = (v) => (typeof v === "number" ? [v] : Array.from(v).flatMap(flat));
let bad = 0;
for (const [name, pts] of Object.entries(points)) {
  const fw = G[name + "JacobianForward"], rv = G[name + "JacobianReverse"], auto = G[name + "Jacobian"];
  if (!fw) { console.log(name, "no driver"); continue; }
  const gs = readFileSync(`scratch/${base}.grad.ts`, "utf8");
  const sig = gs.slice(gs.indexOf(`export function ${name}JvpBatch(`)).split("directions: number")[0];
  const keys = [...sig.matchAll(/tangents: \{([^}]*)\}/g)][0][1].split(";").map((s) => s.split(":")[0].trim()).filter(Boolean);
  const pnames = G[name + "JvpBatch"].toString().match(/\(([^)]*)\)/)[1].split(",").map((s) => s.trim()).slice(0, -2);
  for (const raw of pts) {
    const args = revive(raw);
    let A, B, C;
    try { A = fw(...clone(args)); B = rv(...clone(args)); C = auto(...clone(args)); } catch (e) { console.log(name, "CRASH", e.message); bad++; continue; }
    // FD column by column over the coordinates of the differentiated params, in order
    const cols = [];
    for (const p of pnames) {
      if (!keys.includes(p)) continue;
      const i = pnames.indexOf(p);
      const coords = flat(args[i]).length;
      for (let c = 0; c < coords; c++) {
        const h = 1e-6;
        const bump = (s) => { const a = clone(args); if (typeof a[i] === "number") a[i] += s; else { let n = 0; const walk = (v) => { if (ArrayBuffer.isView(v) || typeof v[0] === "number") { for (let j = 0; j < v.length; j++) if (n++ === c) v[j] += s; } else v.forEach(walk); }; walk(a[i]); } return flat(S[name](...a)); };
        const [pl, mi] = [bump(h), bump(-h)];
        cols.push(pl.map((x, r) => (x - mi[r]) / (2 * h)));
      }
    }
    const rows = flat(A.value).length;
    const primal = JSON.stringify(flat(S[name](...clone(args))));
    for (const R of [A, B, C]) if (JSON.stringify(flat(R.value)) !== primal) { console.log(`${name}: driver value differs`); bad++; }
    const J = (M) => (Array.isArray(M[0]) ? M : [M]);
    for (const [label, M] of [["fwd", A.jacobian], ["rev", B.jacobian], ["auto", C.jacobian]]) {
      const m = J(M);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols.length; c++) {
        const v = m[r]?.[c], fd = cols[c][r];
        if (!(Math.abs(v - fd) <= 1e-4 * (1 + Math.abs(fd)))) { if (bad++ < 30) console.log(`${name} ${label} J[${r}][${c}] = ${v} fd ${fd}`); }
      }
      if (m.length !== rows || m.some((row) => row.length !== cols.length)) { console.log(`${name} ${label} shape ${m.length}x${m[0]?.length} vs ${rows}x${cols.length}`); bad++; }
    }
  }
}
console.log(bad ? `BAD ${bad}` : `ALL OK ${base}`);
