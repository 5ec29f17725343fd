// The parts every loaded model starts from, whatever its kind: its tokenizer and its onnxruntime
// session. A failure here is the folder's fault, so it is reported against the file that caused
// it (a ModelFolderError the admin upload shows), never as a bare onnxruntime stack.

import { ModelFolderError } from "./errors";
import type { ModelFolder } from "./model-folder";
import { createSession, type CreatedSession, type Logger, type SessionSettings } from "./session";
import { LoomTokenizer } from "./tokenizer";

export function loadTokenizer(folder: ModelFolder): LoomTokenizer {
  try {
    return new LoomTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
  } catch (e) {
    throw new ModelFolderError(folder.dir, "tokenizer.json", `cannot be loaded (${(e as Error).message})`);
  }
}

/** The folder's graph in a session on the device `settings` asks for (see session.ts). */
export async function openModelSession(
  folder: ModelFolder,
  settings: SessionSettings,
  kvOutputNames: readonly string[],
  logger: Logger | undefined,
): Promise<CreatedSession> {
  try {
    return await createSession(folder.onnxPath, settings, { kvOutputNames, logger });
  } catch (e) {
    throw new ModelFolderError(
      folder.dir,
      folder.onnxFile,
      `cannot be loaded by onnxruntime (${(e as Error).message.split("\n")[0]})`,
    );
  }
}

/** `check`'s verdict on the session's graph; when the graph does not fit, the session is released. */
export async function checkSessionGraph<G>(
  created: CreatedSession,
  check: (session: CreatedSession["session"]) => G,
): Promise<G> {
  try {
    return check(created.session);
  } catch (e) {
    await created.session.release();
    throw e;
  }
}
