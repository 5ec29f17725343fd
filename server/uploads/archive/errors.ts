// Why an archive (or a path) was refused. Every refusal has a stable code and the HTTP status the
// upload routes answer with (400 for a bad archive, 413 for one too large, 507 for a full disk),
// and a message written for the user that names the offending entry, so a refused upload says what
// to fix instead of failing with a generic error.
import { PublicError } from "../../http-error";

export type ArchiveErrorCode =
  /** Not a zip, tar or tar.gz file (detected by content, not by name), or nested compression. */
  | "UNSUPPORTED_FORMAT"
  /** Damaged or malformed archive (bad checksum, truncated, CRC mismatch, bad headers). */
  | "CORRUPT"
  | "ENCRYPTED"
  /** A zip entry compressed with something other than store/deflate. */
  | "UNSUPPORTED_COMPRESSION"
  /** A name with "..". */
  | "PATH_TRAVERSAL"
  /** A name starting with "/" or a drive letter ("C:"). */
  | "ABSOLUTE_PATH"
  /** A name with a control character (NUL …), a backslash, or an empty / too long name. */
  | "BAD_NAME"
  | "SYMLINK"
  | "HARDLINK"
  /** Device, fifo or socket entries. */
  | "SPECIAL_FILE"
  /** Any other entry type (sparse files, GNU dump dirs, unknown tar types, oversized tar metadata). */
  | "UNSUPPORTED_ENTRY"
  | "TOO_MANY_ENTRIES"
  | "FILE_TOO_LARGE"
  | "TOTAL_TOO_LARGE"
  /** Uncompressed bytes too many times the compressed ones (a decompression bomb). */
  | "COMPRESSION_RATIO"
  /** An entry produced more bytes than its header declared (a lying header). */
  | "SIZE_MISMATCH"
  /** The same path twice, or one path used both as a file and as a folder. */
  | "DUPLICATE_PATH"
  /** No files at all. */
  | "EMPTY"
  /** The disk filled up while extracting. */
  | "NO_SPACE";

const HTTP_STATUS: Record<ArchiveErrorCode, number> = {
  UNSUPPORTED_FORMAT: 400,
  CORRUPT: 400,
  ENCRYPTED: 400,
  UNSUPPORTED_COMPRESSION: 400,
  PATH_TRAVERSAL: 400,
  ABSOLUTE_PATH: 400,
  BAD_NAME: 400,
  SYMLINK: 400,
  HARDLINK: 400,
  SPECIAL_FILE: 400,
  UNSUPPORTED_ENTRY: 400,
  TOO_MANY_ENTRIES: 413,
  FILE_TOO_LARGE: 413,
  TOTAL_TOO_LARGE: 413,
  COMPRESSION_RATIO: 413,
  SIZE_MISMATCH: 400,
  DUPLICATE_PATH: 400,
  EMPTY: 400,
  NO_SPACE: 507,
};

/** A refused archive (or path). `message` is written for the user and names the offending entry. */
export class ArchiveError extends PublicError<ArchiveErrorCode> {
  constructor(
    code: ArchiveErrorCode,
    message: string,
    /** The entry's name as found in the archive, when one entry is at fault. */
    readonly entry?: string,
  ) {
    super(code, HTTP_STATUS[code], message);
  }
}
