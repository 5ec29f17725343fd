// Whether an error is a remote engine's failure (remote-model.ts names each REMOTE_…): the
// engine went away, refused the key, timed out, or stopped mid-answer. Its message is for users.
import { isPublicError, type PublicError } from "../../http-error";

export function isRemoteFault(error: unknown): error is PublicError {
  return isPublicError(error) && error.code.startsWith("REMOTE_");
}
