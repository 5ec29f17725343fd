// For tests and benches: cursor positions in real source files, as a person editing them would
// place the cursor (at the end of a line, or after a new line's indentation), picked by a seeded
// generator from the JS/TS in node_modules and Python's standard library.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CODE_LANGUAGES } from "./code";
import { createRandom } from "../inference";

const root = fileURLToPath(new URL("../../", import.meta.url));
const SOURCES: { dir: string; language: (typeof CODE_LANGUAGES)[number]; ext: RegExp }[] = [
  { dir: path.join(root, "node_modules/ai/src"), language: "typescript", ext: /(?<!\.d|\.test)\.ts$/ },
  { dir: path.join(root, "node_modules/zod/src/v4"), language: "typescript", ext: /(?<!\.d|\.test)\.ts$/ },
  { dir: path.join(root, "node_modules/express/lib"), language: "javascript", ext: /\.js$/ },
  { dir: path.join(root, "node_modules/@remix-run/server-runtime/dist"), language: "javascript", ext: /\.js$/ },
  { dir: "/usr/lib/python3.11", language: "python", ext: /\.py$/ },
];

export interface CursorPosition {
  file: string;
  language: (typeof CODE_LANGUAGES)[number];
  /** Everything before the cursor (what the page sends, before its 20,000-character cut). */
  before: string;
  after: string;
}

function filesUnder(dir: string, ext: RegExp, depth = 3): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      const stat = statSync(full);
      if (stat.isDirectory()) return depth > 0 && !name.startsWith("test") ? filesUnder(full, ext, depth - 1) : [];
      return ext.test(name) && stat.size > 2_000 && stat.size < 400_000 ? [full] : [];
    });
}

/** `count` positions, half in JS/TS and half in Python, each in a file of its own where possible. */
export function realCursorPositions(count: number, seed = 16): CursorPosition[] {
  const random = createRandom(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const byKind = {
    js: SOURCES.filter((s) => s.language !== "python").flatMap((s) =>
      filesUnder(s.dir, s.ext).map((file) => ({ file, language: s.language })),
    ),
    python: SOURCES.filter((s) => s.language === "python").flatMap((s) =>
      filesUnder(s.dir, s.ext, 0).map((file) => ({ file, language: s.language })),
    ),
  };
  const positions: CursorPosition[] = [];
  for (let i = 0; i < count; i++) {
    const files = i % 2 === 0 ? byKind.js : byKind.python;
    if (files.length === 0) throw new Error("no source files found for code positions");
    const { file, language } = pick(files);
    const text = readFileSync(file, "utf8");
    const lineStarts = [0, ...Array.from(text.matchAll(/\n/g), (m) => m.index + 1)];
    // Past the first lines (those worked before), anywhere in the file.
    const line = Math.floor(lineStarts.length * (0.1 + 0.9 * random()));
    const start = lineStarts[Math.min(line, lineStarts.length - 1)]!;
    const end = text.indexOf("\n", start) === -1 ? text.length : text.indexOf("\n", start);
    const content = text.slice(start, end);
    // At the end of the line, or on a new line after its indentation (as Enter leaves it).
    const atEnd = random() < 0.5 || !content.trim();
    const cursor = atEnd ? end : start + (content.length - content.trimStart().length);
    positions.push({ file, language, before: text.slice(0, cursor), after: text.slice(cursor) });
  }
  return positions;
}
