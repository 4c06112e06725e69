// What a sniffed still size is, the refusal when a header gives none, and the two codestream readers
// that both the signature check (sniff.ts) and the box walker (sniff-boxes.ts) use. Pure.

export interface DeclaredSize {
  format: string;
  width: number;
  height: number;
}

/** Up to `length` bytes from `offset` (fewer at the end of the file). */
export type ByteSource = (offset: number, length: number) => Promise<Buffer>;

/** A still-picture format was recognised, but its header gives no usable size: refused (fail closed). */
export class UnreadableHeader extends Error {
  constructor(
    readonly format: string,
    reason: string,
  ) {
    super(`a ${format} picture whose header ${reason}`);
    this.name = 'UnreadableHeader';
  }
}

/** A size, or the refusal when a dimension is zero: a decoder would guess it from the data. */
export function sized(format: string, width: number, height: number): DeclaredSize {
  if (!(width > 0) || !(height > 0)) throw new UnreadableHeader(format, `declares a size of ${width}x${height}`);
  return { format, width, height };
}

/** A JPEG 2000 codestream's SIZ marker: the image area is Xsiz-XOsiz by Ysiz-YOsiz. */
export function j2kCodestream(b: Buffer, format: string): DeclaredSize {
  if (b.length < 24 || b.readUInt32BE(0) !== 0xff4fff51) throw new UnreadableHeader(format, 'has no SIZ marker');
  return sized(format, b.readUInt32BE(8) - b.readUInt32BE(16), b.readUInt32BE(12) - b.readUInt32BE(20));
}

/** JPEG XL's SizeHeader (ISO 18181-1 D.2): bit-packed, least significant bit first, after FF 0A. */
export function jxlCodestream(b: Buffer, format: string): DeclaredSize {
  if (b.length < 12 || b[0] !== 0xff || b[1] !== 0x0a) throw new UnreadableHeader(format, 'has no codestream signature');
  let bit = 16;
  const bits = (n: number): number => {
    let value = 0;
    for (let k = 0; k < n; k++, bit++) value += ((b[bit >> 3]! >> (bit & 7)) & 1) * 2 ** k;
    return value;
  };
  const u32 = (): number => [() => 1 + bits(9), () => 1 + bits(13), () => 1 + bits(18), () => 1 + bits(30)][bits(2)]!();
  const small = bits(1) === 1;
  const height = small ? (bits(5) + 1) * 8 : u32();
  const ratio = bits(3);
  // Numerator and denominator of each aspect ratio code (1..7); 0 means the width follows.
  const ratios: Array<[number, number]> = [
    [1, 1],
    [1, 1],
    [12, 10],
    [4, 3],
    [3, 2],
    [16, 9],
    [5, 4],
    [2, 1],
  ];
  const [num, den] = ratios[ratio]!;
  const width = ratio !== 0 ? Math.floor((height * num) / den) : small ? (bits(5) + 1) * 8 : u32();
  return sized(format, width, height);
}
