/**
 * The corpus harness: compiles every objective `corpus/<package>/<name>.ts` (one differentiable
 * function calling a real npm package, with its points in `<name>.json` beside it) and classifies
 * it: `ok` (compiles, the generated module type-checks, and the gradient agrees with central
 * finite differences at every point), `rejected` (a diagnostic with a code and a location),
 * `crash` (an exception, or neither output nor diagnostic) or `wrong` (the gradient disagrees,
 * or the generated module does not type-check). Also renders the results as tables.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Project, ts } from "ts-morph";
import { compilerOptionsFor, displayPath } from "../../src/frontend/program.js";
import { compile, type CompiledFile, type CompileResult, type Diagnostic } from "../../src/index.js";
import { checkJvpPoint, checkPoint } from "./gradient-check.js";

export const corpusRoot = fileURLToPath(new URL("../../corpus", import.meta.url));
/** Where the generated modules are written, in the corpus (ignored by git): they import the
 * objectives from there, and are type-checked and run there. */
const generatedFolder = ".generated";
/** The largest relative error between the generated gradient and finite differences. */
const TOLERANCE = 1e-6;

export type Status = "ok" | "rejected" | "crash" | "wrong";

export interface Objective {
  /** `<package>/<name>`. */
  id: string;
  packageName: string;
  source: string;
  points: Record<string, unknown[][]>;
}

export interface Outcome {
  objective: Objective;
  status: Status;
  /** Why it is not ok: the diagnostics, the exception, or the worst disagreement. */
  reasons: string[];
  /** The rejection's diagnostics, for grouping. */
  diagnostics: Diagnostic[];
}

/** Every objective of the corpus, by package then name. */
export function findObjectives(root = corpusRoot): Objective[] {
  const packages = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== generatedFolder)
    .map((entry) => entry.name)
    .sort();
  return packages.flatMap((packageName) =>
    readdirSync(path.join(root, packageName))
      .filter((file) => file.endsWith(".ts"))
      .sort()
      .map((file) => {
        const source = path.join(root, packageName, file);
        const pointsFile = source.replace(/\.ts$/, ".json");
        if (!existsSync(pointsFile))
          throw new Error(`${displayPath(source)} has no points file ${path.basename(pointsFile)}`);
        const points = JSON.parse(readFileSync(pointsFile, "utf8")) as Record<string, unknown[][]>;
        return { id: `${packageName}/${file.replace(/\.ts$/, "")}`, packageName, source, points };
      }),
  );
}

/** A diagnostic is located when it names a file and a line and column in it. */
const located = (d: Diagnostic) => d.file.length > 0 && d.line >= 1 && d.column >= 1;

const describeError = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message.split("\n")[0]}` : String(error);

/** A `@derivative` rule applies to every file of its program: an objective supplying one is
 * compiled alone, so that its rule does not help the other objectives. */
const suppliesRules = (objective: Objective) => readFileSync(objective.source, "utf8").includes("@derivative");

/**
 * Compiles a group of objectives in one program (fast); when that throws, compiles each alone so
 * that the exception is charged to the objective that raised it.
 */
async function compileGroup(
  group: Objective[],
  outDir: string,
  results: Map<Objective, CompileResult | Error>,
): Promise<void> {
  try {
    const result = await compile(
      group.map((o) => o.source),
      { outDir },
    );
    for (const objective of group) results.set(objective, result);
  } catch (error) {
    if (group.length === 1) results.set(group[0]!, error instanceof Error ? error : new Error(String(error)));
    else for (const objective of group) await compileGroup([objective], outDir, results);
  }
}

async function compileAll(objectives: Objective[], outDir: string): Promise<Map<Objective, CompileResult | Error>> {
  const results = new Map<Objective, CompileResult | Error>();
  const groups = [objectives.filter((o) => !suppliesRules(o)), ...objectives.filter(suppliesRules).map((o) => [o])];
  for (const group of groups) if (group.length > 0) await compileGroup(group, outDir, results);
  return results;
}

/** TypeScript's errors in the generated modules, by file. */
function typeErrorsOf(files: CompiledFile[]): Map<string, string[]> {
  const errors = new Map<string, string[]>();
  if (files.length === 0) return errors;
  // Through ts-morph, whose TypeScript finds its library files where the compiler's does.
  const project = new Project({ compilerOptions: compilerOptionsFor(files.map((f) => f.source)) });
  for (const file of files) project.addSourceFileAtPath(file.outputPath);
  const program = project.getProgram().compilerObject;
  for (const file of files) {
    const sourceFile = program.getSourceFile(file.outputPath)!;
    const messages = ts
      .getPreEmitDiagnostics(program, sourceFile)
      .filter((d) => d.category === ts.DiagnosticCategory.Error)
      .map((d) => {
        const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
        const at = where ? `${path.basename(d.file!.fileName)}:${where.line + 1}:${where.character + 1} ` : "";
        return `${at}TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
      });
    if (messages.length > 0) errors.set(file.outputPath, messages);
  }
  return errors;
}

/** Runs each generated gradient at the objective's points; the disagreements, if any. */
async function disagreements(objective: Objective, file: CompiledFile): Promise<string[]> {
  const source = await import(pathToFileURL(objective.source).href);
  const generated = await import(pathToFileURL(file.outputPath).href);
  const problems: string[] = [];
  for (const fn of file.functions) {
    const points = objective.points[fn.name];
    if (!points || points.length === 0) {
      problems.push(`no points are listed for ${fn.name}`);
      continue;
    }
    for (const json of points) {
      const where = `${fn.name}(${JSON.stringify(json).slice(1, -1)})`;
      const result = checkPoint(source, generated, fn, json, TOLERANCE);
      if (fn.jvpName !== undefined) {
        try {
          checkJvpPoint(source, generated, fn, json);
        } catch (error) {
          problems.push(`${where}: the JVP: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
        }
      }
      if (result.ok) continue;
      const worst = result.worst;
      if (!result.valueMatches) problems.push(`${where}: the value differs from the function's`);
      if (!result.argumentsUnchanged) problems.push(`${where}: the gradient changed its arguments`);
      if (!result.shapeMatches) problems.push(`${where}: a gradient has not its parameter's shape`);
      if (worst && worst.error > TOLERANCE) {
        const label = `${worst.parameter}${worst.index.map((j) => `[${j}]`).join("")}`;
        problems.push(`${where}: d/d${label} is ${worst.generated}, finite differences ${worst.numeric}`);
      }
    }
  }
  return problems;
}

async function classify(
  objective: Objective,
  result: CompileResult | Error,
  typeErrors: Map<string, string[]>,
  objectiveFiles: ReadonlySet<string>,
): Promise<Outcome> {
  const outcome = (status: Status, reasons: string[], diagnostics: Diagnostic[] = []): Outcome => ({
    objective,
    status,
    reasons,
    diagnostics,
  });
  if (result instanceof Error) return outcome("crash", [`the compiler threw ${describeError(result)}`]);
  // A construct refused inside a package's code is reported in the package's file, with the
  // objective's call that led there.
  const objectivePath = displayPath(objective.source);
  const errors = result.diagnostics.filter(
    (d) => d.severity === "error" && (d.file === objectivePath || d.message.includes(`called at ${objectivePath}:`)),
  );
  if (errors.length > 0) {
    const reasons = errors.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`);
    return errors.every(located) ? outcome("rejected", reasons, errors) : outcome("crash", ["unlocated: ", ...reasons]);
  }
  const file = result.files.find((f) => f.source === objective.source);
  if (!file) {
    // An error in a file that is not an objective (one the objective imports) is the likeliest
    // cause: name those.
    const elsewhere = result.diagnostics
      .filter((d) => d.severity === "error" && !objectiveFiles.has(d.file))
      .map((d) => `${d.file}: ${d.message}`);
    return outcome("crash", ["no generated module and no diagnostic in the file", ...elsewhere]);
  }
  const illTyped = typeErrors.get(file.outputPath);
  if (illTyped)
    return outcome(
      "wrong",
      illTyped.map((m) => `the generated module does not type-check: ${m}`),
    );
  try {
    const problems = await disagreements(objective, file);
    return problems.length > 0 ? outcome("wrong", problems) : outcome("ok", []);
  } catch (error) {
    return outcome("crash", [`running the gradient threw ${describeError(error)}`]);
  }
}

/** Compiles, type-checks and runs the whole corpus. */
export async function runCorpus(root = corpusRoot): Promise<Outcome[]> {
  const objectives = findObjectives(root);
  const generatedRoot = path.join(root, generatedFolder);
  rmSync(generatedRoot, { recursive: true, force: true });
  mkdirSync(generatedRoot, { recursive: true });
  const seen = new Set<string>();
  for (const objective of objectives) {
    // The generated modules share one directory, where they are named after their objectives
    // (each group of objectives compiled together keeps its own layout under it).
    const name = path.basename(objective.source);
    if (seen.has(name)) throw new Error(`two corpus files are named ${name}: names must be unique`);
    seen.add(name);
  }
  const results = await compileAll(objectives, generatedRoot);
  const written = new Map<string, CompiledFile>();
  for (const result of new Set(results.values())) {
    if (result instanceof Error) continue;
    for (const file of result.files) {
      mkdirSync(path.dirname(file.outputPath), { recursive: true });
      writeFileSync(file.outputPath, file.text);
      written.set(file.outputPath, file);
    }
  }
  const typeErrors = typeErrorsOf([...written.values()]);
  const outcomes: Outcome[] = [];
  const objectiveFiles = new Set(objectives.map((o) => displayPath(o.source)));
  for (const objective of objectives) {
    outcomes.push(await classify(objective, results.get(objective)!, typeErrors, objectiveFiles));
  }
  return outcomes;
}

const STATUSES: readonly Status[] = ["ok", "rejected", "crash", "wrong"];

const percent = (part: number, whole: number) => (whole === 0 ? "0%" : `${((100 * part) / whole).toFixed(0)}%`);

function markdownTable(header: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, "\\|").replace(/\n/g, " ");
  return [header, header.map(() => "---"), ...rows].map((row) => `| ${row.map(escape).join(" | ")} |`).join("\n");
}

/** Counts of each status per package, and the pass rate. */
export function summaryTable(outcomes: Outcome[]): string {
  const packages = [...new Set(outcomes.map((o) => o.objective.packageName))];
  const row = (name: string, of: Outcome[]) => [
    name,
    String(of.length),
    ...STATUSES.map((s) => String(of.filter((o) => o.status === s).length)),
    percent(of.filter((o) => o.status === "ok").length, of.length),
  ];
  return markdownTable(
    ["package", "objectives", ...STATUSES, "pass rate"],
    [
      ...packages.map((p) =>
        row(
          p,
          outcomes.filter((o) => o.objective.packageName === p),
        ),
      ),
      row("all", outcomes),
    ],
  );
}

/** The construct a rejection is about, from its diagnostic's code and message: the first rule
 * that matches names it. */
const constructRules: { code: string; message: RegExp; construct: string }[] = [
  { code: "AD1004", message: /^'new' expressions/, construct: "`new` of a library class (Vec3, Quaternion, Mat3)" },
  {
    code: "AD1005",
    message: /^'\w+\.(map|filter|reduce|forEach|some|every)' has no source/,
    construct: "array method with a callback (`xs.map(...)`)",
  },
  {
    code: "AD1005",
    message: /has no source the compiler can read/,
    construct: "call to a package function that has no TypeScript source and no derivative rule",
  },
  {
    code: "AD1009",
    message: /has type '(\(.*\) => .*|\w*(Fn|Factory)(<[^']*>)?)'/,
    construct: "function value in a variable (a closure, or a function a package returns)",
  },
  {
    code: "AD1009",
    message: /has type '/,
    construct: "value of a package's own type in a variable (`mat4`, `vec3`, `quat`)",
  },
  { code: "AD1009", message: /expected a number here, found a object/, construct: "array of objects" },
];

/** A rejection's construct, or its message without the names particular to one objective. */
function reasonKey(d: Diagnostic): string {
  const rule = constructRules.find((r) => r.code === d.code && r.message.test(d.message));
  const text = rule?.construct ?? d.message.replace(/ \(in '[^']*'\)$/, "").replace(/'[^']*'/g, "'…'");
  return `${d.code}: ${text}`;
}

/** The rejections' first diagnostics, grouped by reason, most frequent first. */
export function rejectionReasons(outcomes: Outcome[]): { reason: string; count: number; objectives: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const outcome of outcomes) {
    const first = outcome.diagnostics[0];
    if (outcome.status !== "rejected" || !first) continue;
    const key = reasonKey(first);
    groups.set(key, [...(groups.get(key) ?? []), outcome.objective.id]);
  }
  return [...groups.entries()]
    .map(([reason, objectives]) => ({ reason, count: objectives.length, objectives }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

/** corpus/RESULTS.md: the pass rate, the reasons for rejection, the constructs the objectives
 * use (`uses`: by objective id), and every objective's status. */
export function resultsMarkdown(outcomes: Outcome[], uses: Map<string, string[]>): string {
  const ok = outcomes.filter((o) => o.status === "ok").length;
  const notOk = outcomes.filter((o) => o.status !== "ok").map((o) => o.objective.id);
  const constructs = [...new Set([...uses.values()].flat())];
  const using = (construct: string, ids: string[]) => ids.filter((id) => uses.get(id)?.includes(construct)).length;
  const allIds = outcomes.map((o) => o.objective.id);
  return [
    "# Corpus results",
    "",
    "Written by `npm run corpus:results` (see the README, Tests, Corpus). Do not edit by hand.",
    "",
    `Pass rate: ${ok} of ${outcomes.length} objectives (${percent(ok, outcomes.length)}).`,
    "",
    summaryTable(outcomes),
    "",
    "## Reasons for rejection",
    "",
    "The first diagnostic of each rejected objective, grouped by the construct it refuses.",
    "",
    markdownTable(
      ["objectives", "reason", "where"],
      rejectionReasons(outcomes).map((r) => [String(r.count), r.reason, r.objectives.join(", ")]),
    ),
    "",
    "## Constructs the objectives use",
    "",
    "A diagnostic names the first obstacle only: these are all the constructs in each objective's",
    "differentiable function (found in its syntax), and how many objectives not ok use each.",
    "",
    markdownTable(
      ["construct", "objectives", "not ok"],
      constructs
        .map((c) => [c, String(using(c, allIds)), String(using(c, notOk))])
        .sort((a, b) => Number(b[2]) - Number(a[2]) || a[0]!.localeCompare(b[0]!)),
    ),
    "",
    "## Objectives",
    "",
    markdownTable(
      ["objective", "status", "why", "uses"],
      outcomes.map((o) => [
        o.objective.id,
        o.status,
        o.reasons.join("; "),
        (uses.get(o.objective.id) ?? []).join(", "),
      ]),
    ),
    "",
  ].join("\n");
}
