// What kind of archive a file is, from its first bytes, never from its name: zip, gzip (taken to
// be a .tar.gz) or tar. Anything else is refused before extraction starts, so no reader is ever
// handed a file it was not written for; a known other format (zstd, xz, bzip2, 7-Zip, RAR) is
// named in the message, so the user knows what to re-pack.
import { open } from "node:fs/promises";
import { ArchiveError } from "./errors";

export type ArchiveFormat = "zip" | "gzip" | "tar";

export async function detectFormat(archivePath: string): Promise<ArchiveFormat> {
  const handle = await open(archivePath, "r");
  const head = Buffer.alloc(512);
  let n: number;
  try {
    ({ bytesRead: n } = await handle.read(head, 0, head.length, 0));
  } finally {
    await handle.close();
  }
  const starts = (...bytes: number[]) => n >= bytes.length && bytes.every((b, i) => head[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) return "zip";
  if (starts(0x1f, 0x8b, 0x08)) return "gzip";
  if (n >= 263 && head.toString("latin1", 257, 262) === "ustar") return "tar";
  let known: string | undefined;
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) known = "zstd";
  else if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) known = "xz";
  else if (starts(0x42, 0x5a, 0x68)) known = "bzip2";
  else if (starts(0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) known = "7-Zip";
  else if (starts(0x52, 0x61, 0x72, 0x21)) known = "RAR";
  throw new ArchiveError(
    "UNSUPPORTED_FORMAT",
    known
      ? `This is a ${known} file; upload a .zip, .tar, .tar.gz or .tgz archive instead.`
      : "The file is not a .zip, .tar, .tar.gz or .tgz archive.",
  );
}
