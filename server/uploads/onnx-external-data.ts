// ONNX external data: a model may keep tensor bytes in other files, named by each tensor's
// external_data entry "location" (relative to the folder of the .onnx file). onnxruntime opens
// whatever is named there, so an uploaded model must not name "/etc/passwd", "../../secret", a
// symlink, or a file that is missing. The .onnx file is read by onnx-protobuf.ts; the checks of
// each location are here.
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import { PublicError } from "../http-error";
import { MalformedOnnxError, walkExternalDataRefs, type ExternalDataRef } from "./onnx-protobuf";

export type ExternalDataErrorCode =
  /** The .onnx file is not a readable ONNX protobuf. */
  | "MALFORMED"
  /** Empty, control characters, backslash. */
  | "BAD_LOCATION"
  | "ABSOLUTE_LOCATION"
  /** The location resolves outside the folder of the .onnx file. */
  | "ESCAPES_FOLDER"
  | "SYMLINK"
  | "MISSING"
  | "NOT_A_FILE"
  /** offset + length reaches past the end of the external file. */
  | "OUT_OF_RANGE";

/** A refused model: `message` is for the user and names the .onnx file and the location. */
export class ExternalDataError extends PublicError<ExternalDataErrorCode> {
  constructor(
    code: ExternalDataErrorCode,
    message: string,
    readonly file?: string,
    readonly location?: string,
  ) {
    super(code, 400, message);
  }
}

/** Every tensor of the .onnx file that keeps its data in another file, in file order. */
export async function readExternalDataRefs(onnxPath: string): Promise<ExternalDataRef[]> {
  try {
    return await walkExternalDataRefs(onnxPath);
  } catch (error) {
    if (error instanceof MalformedOnnxError)
      throw new ExternalDataError(
        "MALFORMED",
        `"${path.basename(onnxPath)}" is not a valid ONNX model: ${error.message}.`,
        onnxPath,
      );
    throw error;
  }
}

/** The distinct external data locations named by the .onnx file, as written. */
export async function listExternalDataLocations(onnxPath: string): Promise<string[]> {
  return [...new Set((await readExternalDataRefs(onnxPath)).map((r) => r.location))];
}

// ---------------------------------------------------------------------------------------------
// Checking a model folder

export interface ExternalDataReport {
  /** Every .onnx file of the folder (relative, "/"-separated) with the external files it uses. */
  models: Array<{ file: string; externalFiles: string[] }>;
}

/**
 * Finds every .onnx file under `modelDir` and checks each external data location it names:
 * relative, without backslash or control characters, inside the folder of that .onnx file after
 * path.resolve, reached without a symlink, an existing regular file, long enough for every
 * offset + length. Throws ExternalDataError for the first problem.
 */
export async function checkExternalData(modelDir: string): Promise<ExternalDataReport> {
  const root = path.resolve(modelDir);
  const models: ExternalDataReport["models"] = [];
  for (const onnxFile of await findOnnxFiles(root)) {
    const shownFile = path.relative(root, onnxFile).split(path.sep).join("/");
    const refs = await readExternalDataRefs(onnxFile);
    const sizes = new Map<string, number>();
    for (const ref of refs) {
      let size = sizes.get(ref.location);
      if (size === undefined) {
        size = await checkLocation(root, onnxFile, shownFile, ref.location);
        sizes.set(ref.location, size);
      }
      const end = (ref.offset ?? 0) + (ref.length ?? 0);
      if (end > size)
        throw new ExternalDataError(
          "OUT_OF_RANGE",
          `${shownFile}: the tensor "${ref.tensor}" reads bytes up to ${end} of "${ref.location}", which has only ${size}.`,
          shownFile,
          ref.location,
        );
    }
    models.push({
      file: shownFile,
      externalFiles: [...sizes.keys()].map((loc) =>
        path
          .relative(root, path.resolve(path.dirname(onnxFile), loc))
          .split(path.sep)
          .join("/"),
      ),
    });
  }
  return { models };
}

async function findOnnxFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await visit(full);
      else if (entry.name.endsWith(".onnx")) {
        if (!entry.isFile())
          throw new ExternalDataError(
            "SYMLINK",
            `"${path.relative(root, full)}" is a symbolic link or special file; model files must be regular files.`,
            path.relative(root, full),
          );
        found.push(full);
      }
    }
  };
  await visit(root);
  return found.sort();
}

function hasControl(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** Returns the size of the external file, or throws. */
async function checkLocation(root: string, onnxFile: string, shownFile: string, location: string): Promise<number> {
  const shown = JSON.stringify(location).slice(1, -1);
  const refuse = (code: ExternalDataErrorCode, why: string) =>
    new ExternalDataError(code, `${shownFile}: external data "${shown}" ${why}`, shownFile, location);
  if (location === "" || hasControl(location)) throw refuse("BAD_LOCATION", "is empty or contains control characters.");
  if (location.startsWith("/") || location.startsWith("\\") || /^[A-Za-z]:/.test(location))
    throw refuse("ABSOLUTE_LOCATION", "is an absolute path; it must be relative to the model's folder.");
  if (location.includes("\\")) throw refuse("BAD_LOCATION", 'contains a backslash; only "/" may separate folders.');
  const base = path.dirname(onnxFile);
  const target = path.resolve(base, location);
  if (!target.startsWith(base + path.sep) || !target.startsWith(root + path.sep))
    throw refuse("ESCAPES_FOLDER", "points outside the model's folder.");
  // Walk from the .onnx file's folder down to the target: no component may be a symlink.
  let current = base;
  for (const part of path.relative(base, target).split(path.sep)) {
    current = path.join(current, part);
    let stats;
    try {
      stats = await lstat(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR")
        throw refuse("MISSING", "is missing from the upload.");
      throw error;
    }
    if (stats.isSymbolicLink()) throw refuse("SYMLINK", "is a symbolic link; model files must be regular files.");
    if (current === target) {
      if (!stats.isFile()) throw refuse("NOT_A_FILE", "is not a regular file.");
      return stats.size;
    }
  }
  throw refuse("NOT_A_FILE", "is not a regular file.");
}
