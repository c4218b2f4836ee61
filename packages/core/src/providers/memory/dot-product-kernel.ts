/**
 * The inner loop of the memory vector store: dot products of one query with many
 * stored rows, in WebAssembly SIMD (`f32x4`), about 3x faster than the best plain
 * JavaScript loop on 1536-dimension vectors. The module is assembled here from its
 * opcodes (about 150 bytes, no build step, no download); where WebAssembly SIMD is
 * unavailable, or the dimensions are not a multiple of 8, a JavaScript loop with the
 * same results (to float32 rounding) takes over.
 */

/** Scores rows of a contiguous float32 matrix against a query. */
export interface DotProductKernel {
  /** Stored rows, `dimensions` floats each, contiguous. Re-read after {@link reserve}. */
  readonly rows: Float32Array;
  /** Row capacity currently allocated. */
  readonly capacity: number;
  /** Grows the storage to hold at least `rowCount` rows, keeping the content. */
  reserve(rowCount: number): void;
  /**
   * Writes `query · rows[indices[i]]` into `scores[i]` for the first `count` indices.
   * `indices` and `scores` must hold at least `count` items.
   */
  score(query: Float32Array, indices: Int32Array, count: number, scores: Float32Array): void;
}

function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest !== 0);
  return bytes;
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

function name(text: string): number[] {
  return [...unsignedLeb(text.length), ...Array.from(text, (character) => character.charCodeAt(0))];
}

/**
 * `dotRows(data, query, rows, count, rowBytes, out)`: for i < count,
 * `out[i] = sum(data[rows[i] * rowBytes + j] * query[j])`, two f32x4 accumulators,
 * `rowBytes` a multiple of 32.
 */
function assembleModule(): Uint8Array<ArrayBuffer> {
  const i32 = 0x7f;
  const v128 = 0x7b;
  const [DATA, QUERY, ROWS, COUNT, ROW_BYTES, OUT, I, ROW_BASE, J, ACC0, ACC1] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
  ] as const;
  const get = (index: number) => [0x20, index];
  const set = (index: number) => [0x21, index];
  const tee = (index: number) => [0x22, index];
  const i32Const = (value: number) => [0x41, value]; // small non-negative values only
  const i32Add = [0x6a];
  const i32Mul = [0x6c];
  const i32Shl = [0x74];
  const i32GeU = [0x4f];
  const i32Load = [0x28, 2, 0];
  const f32Store = [0x38, 2, 0];
  const f32Add = [0x92];
  const v128Load = (offset: number) => [0xfd, 0x00, 4, offset];
  const v128Zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const f32x4Add = [0xfd, 0xe4, 0x01];
  const f32x4Mul = [0xfd, 0xe6, 0x01];
  const extractLane = (lane: number) => [0xfd, 0x1f, lane];
  const block = [0x02, 0x40];
  const loop = [0x03, 0x40];
  const end = [0x0b];
  const br = (depth: number) => [0x0c, depth];
  const brIf = (depth: number) => [0x0d, depth];
  const accumulate = (accumulator: number, offset: number) => [
    ...get(accumulator),
    ...get(ROW_BASE),
    ...get(J),
    ...i32Add,
    ...v128Load(offset),
    ...get(QUERY),
    ...get(J),
    ...i32Add,
    ...v128Load(offset),
    ...f32x4Mul,
    ...f32x4Add,
    ...set(accumulator),
  ];

  const body = [
    // locals: 3 x i32 (i, rowBase, j), 2 x v128 (acc0, acc1)
    2,
    3,
    i32,
    2,
    v128,
    ...block,
    ...loop,
    ...get(I),
    ...get(COUNT),
    ...i32GeU,
    ...brIf(1),
    ...get(DATA),
    ...get(ROWS),
    ...get(I),
    ...i32Const(2),
    ...i32Shl,
    ...i32Add,
    ...i32Load,
    ...get(ROW_BYTES),
    ...i32Mul,
    ...i32Add,
    ...set(ROW_BASE),
    ...v128Zero,
    ...set(ACC0),
    ...v128Zero,
    ...set(ACC1),
    ...i32Const(0),
    ...set(J),
    ...block,
    ...loop,
    ...get(J),
    ...get(ROW_BYTES),
    ...i32GeU,
    ...brIf(1),
    ...accumulate(ACC0, 0),
    ...accumulate(ACC1, 16),
    ...get(J),
    ...i32Const(32),
    ...i32Add,
    ...set(J),
    ...br(0),
    ...end,
    ...end,
    ...get(OUT),
    ...get(I),
    ...i32Const(2),
    ...i32Shl,
    ...i32Add,
    ...get(ACC0),
    ...get(ACC1),
    ...f32x4Add,
    ...tee(ACC0),
    ...extractLane(0),
    ...get(ACC0),
    ...extractLane(1),
    ...f32Add,
    ...get(ACC0),
    ...extractLane(2),
    ...f32Add,
    ...get(ACC0),
    ...extractLane(3),
    ...f32Add,
    ...f32Store,
    ...get(I),
    ...i32Const(1),
    ...i32Add,
    ...set(I),
    ...br(0),
    ...end,
    ...end,
    ...end,
  ];

  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 6, i32, i32, i32, i32, i32, i32, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('dotRows'), 0x00, 0]),
    ...section(10, [1, ...unsignedLeb(body.length), ...body]),
  ]);
}

let compiled: WebAssembly.Module | null | undefined;

function simdModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = assembleModule();
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

type DotRows = (
  data: number,
  query: number,
  rows: number,
  count: number,
  rowBytes: number,
  out: number,
) => void;

const pageBytes = 65_536;

class SimdKernel implements DotProductKernel {
  rows: Float32Array;
  capacity = 0;
  private readonly memory: WebAssembly.Memory;
  private readonly dotRows: DotRows;
  private readonly rowBytes: number;

  constructor(
    module: WebAssembly.Module,
    private readonly dimensions: number,
  ) {
    this.rowBytes = dimensions * 4;
    this.memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.dotRows = instance.exports.dotRows as DotRows;
    this.rows = new Float32Array(this.memory.buffer, 0, 0);
  }

  /** Layout: rows, then the query, then row indices, then scores (scratch, per call). */
  private scratchBytes(count: number): number {
    return this.rowBytes + count * 8 + 64;
  }

  private ensureBytes(bytes: number): void {
    const missing = bytes - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / pageBytes));
  }

  reserve(rowCount: number): void {
    if (rowCount <= this.capacity) return;
    const capacity = Math.max(rowCount, Math.ceil(this.capacity * 1.5), 64);
    this.ensureBytes(capacity * this.rowBytes + this.scratchBytes(capacity));
    this.capacity = capacity;
    this.rows = new Float32Array(this.memory.buffer, 0, capacity * this.dimensions);
  }

  score(query: Float32Array, indices: Int32Array, count: number, scores: Float32Array): void {
    if (count === 0) return;
    const queryOffset = this.capacity * this.rowBytes;
    const indicesOffset = queryOffset + this.rowBytes;
    const scoresOffset = indicesOffset + count * 4;
    this.ensureBytes(scoresOffset + count * 4);
    if (this.rows.buffer !== this.memory.buffer) {
      this.rows = new Float32Array(this.memory.buffer, 0, this.capacity * this.dimensions);
    }
    const buffer = this.memory.buffer;
    new Float32Array(buffer, queryOffset, this.dimensions).set(query.subarray(0, this.dimensions));
    new Int32Array(buffer, indicesOffset, count).set(indices.subarray(0, count));
    this.dotRows(0, queryOffset, indicesOffset, count, this.rowBytes, scoresOffset);
    scores.set(new Float32Array(buffer, scoresOffset, count));
  }
}

class JavaScriptKernel implements DotProductKernel {
  rows = new Float32Array(0);
  capacity = 0;

  constructor(private readonly dimensions: number) {}

  reserve(rowCount: number): void {
    if (rowCount <= this.capacity) return;
    const capacity = Math.max(rowCount, Math.ceil(this.capacity * 1.5), 64);
    const rows = new Float32Array(capacity * this.dimensions);
    rows.set(this.rows);
    this.rows = rows;
    this.capacity = capacity;
  }

  score(query: Float32Array, indices: Int32Array, count: number, scores: Float32Array): void {
    const dimensions = this.dimensions;
    const rows = this.rows;
    const tail = dimensions - (dimensions % 4);
    for (let index = 0; index < count; index++) {
      const base = indices[index]! * dimensions;
      let sum0 = 0;
      let sum1 = 0;
      let sum2 = 0;
      let sum3 = 0;
      let component = 0;
      for (; component < tail; component += 4) {
        sum0 += rows[base + component]! * query[component]!;
        sum1 += rows[base + component + 1]! * query[component + 1]!;
        sum2 += rows[base + component + 2]! * query[component + 2]!;
        sum3 += rows[base + component + 3]! * query[component + 3]!;
      }
      for (; component < dimensions; component++) {
        sum0 += rows[base + component]! * query[component]!;
      }
      scores[index] = sum0 + sum1 + sum2 + sum3;
    }
  }
}

/**
 * A dot-product kernel for vectors of `dimensions` floats: WebAssembly SIMD when
 * available and `dimensions` is a multiple of 8, else plain JavaScript.
 * `implementation` forces one (tests run both).
 */
export function createDotProductKernel(
  dimensions: number,
  implementation: 'auto' | 'simd' | 'javascript' = 'auto',
): DotProductKernel {
  const module = implementation === 'javascript' ? null : simdModule();
  if (module && dimensions % 8 === 0) return new SimdKernel(module, dimensions);
  if (implementation === 'simd') {
    throw new Error(
      `WebAssembly SIMD is unavailable or ${dimensions} is not a multiple of 8: use 'auto'.`,
    );
  }
  return new JavaScriptKernel(dimensions);
}
