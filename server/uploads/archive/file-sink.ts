// Writing one file from a stream. The sink guards against overwriting and against symlinks planted
// in the destination (the file is created with O_EXCL | O_NOFOLLOW), lets its caller refuse a chunk
// before any of it reaches the disk (how limits and lying headers are enforced mid-stream), and
// hashes what it writes, so the SHA-256 needs no second read of a file that may be gigabytes.
import { createHash } from "node:crypto";
import fs, { constants as fsc } from "node:fs";
import { Writable } from "node:stream";

/** Streams are read and written in chunks of this size (1 MiB). */
export const IO_CHUNK_BYTES = 1024 ** 2;

export interface FileSinkOptions {
  /**
   * Called with each chunk before it is written, and the bytes written before it. Throw to refuse
   * the chunk: none of it reaches the disk and the sink errors with what was thrown.
   */
  onChunk?: (chunk: Buffer, bytesBefore: number) => void;
}

/**
 * A Writable that creates a new file (never overwrites, never follows a symlink: O_EXCL |
 * O_NOFOLLOW), writes what it is given, and hashes it on the way (SHA-256). After 'finish',
 * `bytes` and `sha256` describe the file. The caller deletes the file if the sink errors.
 */
export class HashingFileSink extends Writable {
  bytes = 0;
  private readonly hash = createHash("sha256");
  private digest: string | undefined;
  private fd: number | undefined;

  constructor(
    readonly filePath: string,
    private readonly options: FileSinkOptions = {},
  ) {
    super({ highWaterMark: IO_CHUNK_BYTES });
    // Errors reach the caller through finished()/pipeline(); this keeps a late one from crashing.
    this.on("error", () => {});
  }

  /** Hex SHA-256 of everything written; only after 'finish'. */
  get sha256(): string {
    if (this.digest === undefined) throw new Error("HashingFileSink: the file is not finished");
    return this.digest;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    const flags = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW;
    fs.open(this.filePath, flags, 0o644, (err, fd) => {
      if (err) return callback(err);
      this.fd = fd;
      callback();
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const buffers = chunks.map((c) => c.chunk);
    let before = this.bytes;
    try {
      for (const buffer of buffers) {
        this.options.onChunk?.(buffer, before);
        before += buffer.length;
      }
    } catch (error) {
      return callback(error as Error);
    }
    for (const buffer of buffers) this.hash.update(buffer);
    this.bytes = before;
    writeAll(this.fd as number, buffers, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.digest = this.hash.digest("hex");
    const fd = this.fd as number;
    this.fd = undefined;
    fs.close(fd, (err) => callback(err));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.fd === undefined) return callback(error);
    const fd = this.fd;
    this.fd = undefined;
    fs.close(fd, () => callback(error));
  }
}

function writeAll(fd: number, buffers: Buffer[], callback: (error?: Error | null) => void): void {
  fs.writev(fd, buffers, (err, written) => {
    if (err) return callback(err);
    let rest = written;
    const remaining: Buffer[] = [];
    for (const b of buffers) {
      if (rest >= b.length) rest -= b.length;
      else {
        remaining.push(rest > 0 ? b.subarray(rest) : b);
        rest = 0;
      }
    }
    if (remaining.length === 0) return callback();
    writeAll(fd, remaining, callback);
  });
}

/** Resolves once the sink has closed its file (finished or destroyed), whatever happened. */
export function sinkClosed(sink: Writable): Promise<void> {
  if (sink.closed) return Promise.resolve();
  return new Promise((resolve) => sink.once("close", () => resolve()));
}
