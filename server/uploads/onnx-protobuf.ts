// Reads the tensors of an .onnx file that keep their data in another file (their external_data
// entries), with a small protobuf wire-format walker over a file handle: only the messages that
// can hold tensors are entered (model → graph → initializers, sparse initializers, node
// attributes and their subgraphs, training graphs, functions); every other field, raw_data
// (TensorProto field 9, possibly hundreds of MB) included, is skipped by offset without being read.
// Memory use is one 64 KiB window plus the few short strings kept. A file that is not ONNX
// protobuf throws MalformedOnnxError; onnx-external-data.ts turns it into the public error.
import { open, type FileHandle } from "node:fs/promises";

export interface ExternalDataRef {
  /** The tensor's name ("" when it has none). */
  tensor: string;
  /** As written in the file: relative to the folder of the .onnx file. */
  location: string;
  offset?: number;
  length?: number;
}

// ---------------------------------------------------------------------------------------------
// Wire format

const WINDOW = 64 * 1024;
const MAX_STRING = 64 * 1024;
const MAX_DEPTH = 64;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** The file is not ONNX protobuf; the message says what is wrong. */
export class MalformedOnnxError extends Error {}

/** Positional reads through one reusable window: small reads are served from it, skips cost nothing. */
class WindowReader {
  private readonly buf = Buffer.alloc(WINDOW);
  private start = 0;
  private end = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  /** Makes [pos, pos + n) (clipped to the file) available in the window. */
  private async ensure(pos: number, n: number): Promise<void> {
    const want = Math.min(pos + n, this.size);
    if (pos >= this.start && want <= this.end) return;
    const { bytesRead } = await this.handle.read(this.buf, 0, WINDOW, pos);
    this.start = pos;
    this.end = pos + bytesRead;
  }

  /** A varint; values past 2^53 (int64 fields nobody here needs) come back imprecise, flagged unsafe. */
  async varint(pos: number, limit: number): Promise<{ value: number; next: number }> {
    await this.ensure(pos, 10);
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const at = pos + i;
      if (at >= limit || at >= this.end) throw new MalformedOnnxError("a number runs past the end of its message");
      const byte = this.buf[at - this.start];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return { value, next: at + 1 };
      scale *= 128;
    }
    throw new MalformedOnnxError("a number is longer than 10 bytes");
  }

  /** A varint used as a size or a field tag: must be exact. */
  async length(pos: number, limit: number): Promise<{ value: number; next: number }> {
    const v = await this.varint(pos, limit);
    if (!Number.isSafeInteger(v.value)) throw new MalformedOnnxError("a length is too large");
    return v;
  }

  async bytes(pos: number, length: number): Promise<Buffer> {
    if (length > MAX_STRING) throw new MalformedOnnxError(`a string field of ${length} bytes`);
    await this.ensure(pos, length);
    if (pos + length > this.end) throw new MalformedOnnxError("a string runs past the end of the file");
    return Buffer.from(this.buf.subarray(pos - this.start, pos - this.start + length));
  }
}

type FieldVisitor = (field: number, wire: number, pos: number, lengthOrValue: number) => Promise<void> | void;

/** Visits the fields of the message in [start, end); length-delimited values are passed by position. */
async function walk(r: WindowReader, start: number, end: number, visit: FieldVisitor): Promise<void> {
  let pos = start;
  while (pos < end) {
    const tag = await r.length(pos, end);
    pos = tag.next;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (field === 0) throw new MalformedOnnxError("field number 0");
    switch (wire) {
      case WIRE_VARINT: {
        const v = await r.varint(pos, end);
        await visit(field, wire, pos, v.value);
        pos = v.next;
        break;
      }
      case WIRE_FIXED64:
        pos += 8;
        break;
      case WIRE_FIXED32:
        pos += 4;
        break;
      case WIRE_LEN: {
        const len = await r.length(pos, end);
        pos = len.next;
        if (pos + len.value > end) throw new MalformedOnnxError("a field runs past the end of its message");
        await visit(field, wire, pos, len.value);
        pos += len.value;
        break;
      }
      default:
        throw new MalformedOnnxError(`unsupported wire type ${wire}`);
    }
    if (pos > end) throw new MalformedOnnxError("a field runs past the end of its message");
  }
}

// ---------------------------------------------------------------------------------------------
// ONNX messages (onnx.proto field numbers)

const EXTERNAL = 1; // TensorProto.DataLocation.EXTERNAL

class OnnxWalker {
  readonly refs: ExternalDataRef[] = [];
  constructor(private readonly r: WindowReader) {}

  private depth(d: number) {
    if (d > MAX_DEPTH) throw new MalformedOnnxError(`messages nested more than ${MAX_DEPTH} deep`);
    return d + 1;
  }

  async model(): Promise<void> {
    await walk(this.r, 0, this.r.size, async (field, wire, pos, len) => {
      if (wire !== WIRE_LEN) return;
      if (field === 7)
        await this.graph(pos, pos + len, 1); // ModelProto.graph
      else if (field === 20)
        await this.trainingInfo(pos, pos + len, 1); // ModelProto.training_info
      else if (field === 25) await this.function(pos, pos + len, 1); // ModelProto.functions
    });
  }

  private async trainingInfo(start: number, end: number, d: number): Promise<void> {
    const depth = this.depth(d);
    await walk(this.r, start, end, async (field, wire, pos, len) => {
      // TrainingInfoProto.initialization = 1, .algorithm = 2 (GraphProto)
      if (wire === WIRE_LEN && (field === 1 || field === 2)) await this.graph(pos, pos + len, depth);
    });
  }

  private async function(start: number, end: number, d: number): Promise<void> {
    const depth = this.depth(d);
    await walk(this.r, start, end, async (field, wire, pos, len) => {
      if (wire === WIRE_LEN && field === 7) await this.node(pos, pos + len, depth); // FunctionProto.node
    });
  }

  private async graph(start: number, end: number, d: number): Promise<void> {
    const depth = this.depth(d);
    await walk(this.r, start, end, async (field, wire, pos, len) => {
      if (wire !== WIRE_LEN) return;
      if (field === 1)
        await this.node(pos, pos + len, depth); // GraphProto.node
      else if (field === 5)
        await this.tensor(pos, pos + len, depth); // GraphProto.initializer
      else if (field === 15) await this.sparse(pos, pos + len, depth); // GraphProto.sparse_initializer
    });
  }

  private async node(start: number, end: number, d: number): Promise<void> {
    const depth = this.depth(d);
    await walk(this.r, start, end, async (field, wire, pos, len) => {
      if (wire === WIRE_LEN && field === 5) await this.attribute(pos, pos + len, depth); // NodeProto.attribute
    });
  }

  private async attribute(start: number, end: number, d: number): Promise<void> {
    const depth = this.depth(d);
    await walk(this.r, start, end, async (field, wire, pos, len) => {
      if (wire !== WIRE_LEN) return;
      // AttributeProto: t = 5, tensors = 10; g = 6, graphs = 11; sparse_tensor = 22, sparse_tensors = 23
      if (field === 5 || field === 10) await this.tensor(pos, pos + len, depth);
      else if (field === 6 || field === 11) await this.graph(pos, pos + len, depth);
      else if (field === 22 || field === 23) await this.sparse(pos, pos + len, depth);
    });
  }

  private async sparse(start: number, end: number, d: number): Promise<void> {
    const depth = this.depth(d);
    await walk(this.r, start, end, async (field, wire, pos, len) => {
      // SparseTensorProto.values = 1, .indices = 2 (TensorProto)
      if (wire === WIRE_LEN && (field === 1 || field === 2)) await this.tensor(pos, pos + len, depth);
    });
  }

  private async tensor(start: number, end: number, d: number): Promise<void> {
    this.depth(d);
    let name = "";
    let dataLocation = 0;
    const entries: Array<[string, string]> = [];
    await walk(this.r, start, end, async (field, wire, pos, len) => {
      if (field === 8 && wire === WIRE_LEN)
        name = (await this.r.bytes(pos, len)).toString("utf8"); // name
      else if (field === 14 && wire === WIRE_VARINT)
        dataLocation = len; // data_location
      else if (field === 13 && wire === WIRE_LEN) entries.push(await this.entry(pos, pos + len)); // external_data
      // raw_data (9) and everything else: skipped, never read
    });
    const get = (key: string) => entries.find(([k]) => k === key)?.[1];
    const location = get("location");
    if (location === undefined) {
      if (dataLocation === EXTERNAL) throw new MalformedOnnxError(`the external tensor "${name}" has no location`);
      return;
    }
    const ref: ExternalDataRef = { tensor: name, location };
    for (const key of ["offset", "length"] as const) {
      const text = get(key);
      if (text === undefined) continue;
      if (!/^\d{1,16}$/.test(text))
        throw new MalformedOnnxError(`the tensor "${name}" has an invalid ${key} "${text}"`);
      ref[key] = Number(text);
    }
    this.refs.push(ref);
  }

  private async entry(start: number, end: number): Promise<[string, string]> {
    let key = "";
    let value = "";
    await walk(this.r, start, end, async (field, wire, pos, len) => {
      if (wire !== WIRE_LEN) return;
      if (field === 1) key = (await this.r.bytes(pos, len)).toString("utf8");
      else if (field === 2) value = (await this.r.bytes(pos, len)).toString("utf8");
    });
    return [key, value];
  }
}

/** Every tensor of the .onnx file that keeps its data in another file, in file order; MalformedOnnxError if it is not ONNX. */
export async function walkExternalDataRefs(onnxPath: string): Promise<ExternalDataRef[]> {
  const handle = await open(onnxPath, "r");
  try {
    const { size } = await handle.stat();
    const walker = new OnnxWalker(new WindowReader(handle, size));
    await walker.model();
    return walker.refs;
  } finally {
    await handle.close();
  }
}
