// How much an archive may unpack to: entries, bytes per file and in total, and the ratio of
// uncompressed to compressed bytes. They guard the disk against a decompression bomb and against
// headers that lie: the plan checks declared sizes before extraction starts (plan.ts), and
// WriteBudget counts the bytes actually written and stops an entry the moment they pass its
// declared size or a limit.
import { formatBytes } from "../../common/format";
import { ArchiveError } from "./errors";
import { displayName } from "./safe-path";

export interface ArchiveLimits {
  /** Entries of any kind (files, folders, skipped metadata). */
  maxEntries: number;
  /** Largest single file, uncompressed. */
  maxFileBytes: number;
  /** All files together, uncompressed. */
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio, checked once more than `ratioCheckAfterBytes` came out. */
  maxCompressionRatio: number;
  ratioCheckAfterBytes: number;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxEntries: 1000,
  maxFileBytes: 20 * GiB,
  maxTotalBytes: 40 * GiB,
  // Model weights barely compress (≈1.1×), JSON and tokenizers 5–10×; a zip of zeros reaches ~1000×.
  maxCompressionRatio: 200,
  ratioCheckAfterBytes: 256 * MiB,
});

/** The defaults with the given limits put over them; each given one must be positive. */
export function limitsWith(given: Partial<ArchiveLimits>): ArchiveLimits {
  const limits: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS };
  for (const key of Object.keys(DEFAULT_ARCHIVE_LIMITS) as Array<keyof ArchiveLimits>) {
    const value = given[key];
    if (value !== undefined) {
      if (!(value > 0)) throw new RangeError(`extractArchive: ${key} must be positive`);
      limits[key] = value;
    }
  }
  return limits;
}

export const tooManyEntries = (max: number) =>
  new ArchiveError("TOO_MANY_ENTRIES", `The archive has more than ${max} entries; a model folder needs far fewer.`);
export const fileTooLarge = (name: string, max: number) =>
  new ArchiveError(
    "FILE_TOO_LARGE",
    `"${displayName(name)}" is larger than the ${formatBytes(max)} allowed for one file.`,
    name,
  );
export const totalTooLarge = (max: number) =>
  new ArchiveError("TOTAL_TOO_LARGE", `The archive unpacks to more than the ${formatBytes(max)} allowed.`);
export const ratioTooHigh = (name: string | undefined, max: number) =>
  new ArchiveError(
    "COMPRESSION_RATIO",
    `${name ? `"${displayName(name)}"` : "The archive"} unpacks to more than ${max} times its compressed size; this looks like a decompression bomb.`,
    name,
  );

/** Counts written bytes across the whole archive and stops an entry the moment a limit is passed. */
export class WriteBudget {
  written = 0;
  constructor(
    private readonly limits: ArchiveLimits,
    private readonly compressedBytes: () => number,
    private readonly onProgress?: (bytesWritten: number) => void,
  ) {}

  checker(name: string, declaredBytes: number): (chunk: Buffer, bytesBefore: number) => void {
    return (chunk, before) => {
      const after = before + chunk.length;
      if (after > declaredBytes)
        throw new ArchiveError(
          "SIZE_MISMATCH",
          `"${displayName(name)}" holds more data than its header declares (${declaredBytes} bytes); the archive is damaged or forged.`,
          name,
        );
      if (after > this.limits.maxFileBytes) throw fileTooLarge(name, this.limits.maxFileBytes);
      const total = this.written + chunk.length;
      if (total > this.limits.maxTotalBytes) throw totalTooLarge(this.limits.maxTotalBytes);
      if (
        total > this.limits.ratioCheckAfterBytes &&
        total / Math.max(1, this.compressedBytes()) > this.limits.maxCompressionRatio
      )
        throw ratioTooHigh(undefined, this.limits.maxCompressionRatio);
      this.written = total;
      this.onProgress?.(total);
    };
  }
}
