// The header sniffer's table: every still format the whitelist accepts, its size read from bytes
// built here, damaged headers refused (fail closed), and agreement with ffprobe on real files.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { declaredSize, parseHeader, UnreadableHeader, type DeclaredSize } from '../../plugins/media/sniff.js';
import {
  bmpHeader,
  gifHeader,
  j2kHeader,
  jpegHeader,
  jxlHeader,
  pixelBombPng,
  qoiHeader,
  tiffBomb,
  tiffFile,
  tiffHeader,
  webpVp8,
  webpVp8l,
  webpVp8x,
} from '../helpers/image-headers.js';

const run = promisify(execFile);

/** An ISO box: 32-bit size, type, data. */
const box = (type: string, data: Buffer): Buffer => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + data.length);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, data]);
};
/** A full box: version and flags (4 bytes) before the data. */
const fullBox = (type: string, data: Buffer): Buffer => box(type, Buffer.concat([Buffer.alloc(4), data]));
const ispe = (width: number, height: number): Buffer => {
  const wh = Buffer.alloc(8);
  wh.writeUInt32BE(width, 0);
  wh.writeUInt32BE(height, 4);
  return fullBox('ispe', wh);
};
/** A HEIF still: ftyp, then meta → iprp → ipco with one ispe per picture (a grid's tiles, its thumbnail). */
const heif = (brands: string, sizes: Array<[number, number]>): Buffer =>
  Buffer.concat([
    box('ftyp', Buffer.from(brands, 'latin1')),
    fullBox(
      'meta',
      Buffer.concat([fullBox('hdlr', Buffer.alloc(20)), box('iprp', box('ipco', Buffer.concat(sizes.map(([w, h]) => ispe(w, h)))))]),
    ),
    box('mdat', Buffer.alloc(16)),
  ]);
const jp2 = (width: number, height: number): Buffer =>
  Buffer.concat([
    box('jP  ', Buffer.from('\r\n\x87\n', 'latin1')),
    box('ftyp', Buffer.from('jp2 \0\0\0\0jp2 ', 'latin1')),
    box('jp2h', box('ihdr', Buffer.alloc(14))),
    box('jp2c', j2kHeader(width, height)),
  ]);
const jxlContainer = (width: number, height: number): Buffer =>
  Buffer.concat([
    box('JXL ', Buffer.from('\r\n\x87\n', 'latin1')),
    box('ftyp', Buffer.from('jxl \0\0\0\0jxl ', 'latin1')),
    box('jxlp', Buffer.concat([Buffer.alloc(4), jxlHeader(width, height)])),
  ]);

const size = (format: string, width: number, height: number): DeclaredSize => ({ format, width, height });

const READABLE: Array<[string, Buffer, DeclaredSize]> = [
  ['PNG bomb', pixelBombPng(16000, 16000), size('png', 16000, 16000)],
  ['GIF', gifHeader(16000, 16000), size('gif', 16000, 16000)],
  ['BMP (BITMAPINFOHEADER, top-down)', bmpHeader(16000, 16000), size('bmp', 16000, 16000)],
  ['JPEG baseline (SOF0)', jpegHeader(16000, 16000), size('jpeg', 16000, 16000)],
  ['JPEG progressive (SOF2)', jpegHeader(16000, 12000, { sof: 0xc2 }), size('jpeg', 16000, 12000)],
  ['JPEG with EXIF first (its thumbnail skipped)', jpegHeader(16000, 16000, { sof: 0xc2, exif: true }), size('jpeg', 16000, 16000)],
  ['JPEG-LS (SOF55)', jpegHeader(640, 480, { sof: 0xf7 }), size('jpegls', 640, 480)],
  ['WebP lossy (VP8)', webpVp8(16000, 16000), size('webp', 16000, 16000)],
  ['WebP lossless (VP8L)', webpVp8l(16000, 16000), size('webp', 16000, 16000)],
  ['WebP extended (VP8X canvas)', webpVp8x(16000, 16000), size('webp', 16000, 16000)],
  ['WebP extended, small canvas, huge VP8L inside', webpVp8x(16, 16, [16000, 16000]), size('webp', 16000, 16000)],
  ['TIFF little-endian', tiffHeader(16000, 16000), size('tiff', 16000, 16000)],
  ['TIFF big-endian', tiffHeader(16000, 16000, { bigEndian: true }), size('tiff', 16000, 16000)],
  ['TIFF, height as SHORT', tiffHeader(640, 480, { bigEndian: true }), size('tiff', 640, 480)],
  ['BigTIFF little-endian', tiffHeader(100000, 70000, { bigTiff: true }), size('tiff', 100000, 70000)],
  ['BigTIFF big-endian', tiffHeader(16000, 16000, { bigTiff: true, bigEndian: true }), size('tiff', 16000, 16000)],
  ['TIFF bomb (decodable)', tiffBomb(16000, 16000), size('tiff', 16000, 16000)],
  [
    'TIFF whose sub-IFD holds the big picture (DNG-like)',
    tiffFile(
      (bodyAt) => [
        [256, 3, [160]],
        [257, 3, [120]],
        [330, 4, [bodyAt]],
      ],
      { body: tiffHeader(16000, 16000).subarray(8) },
    ),
    size('tiff', 16000, 16000),
  ],
  ['QOI', qoiHeader(16000, 16000), size('qoi', 16000, 16000)],
  ['PPM with a comment', Buffer.from('P6\n# made by hand\n16000 16000\n255\n', 'latin1'), size('pnm', 16000, 16000)],
  ['PGM', Buffer.from('P5 640 480 255\n', 'latin1'), size('pnm', 640, 480)],
  ['JPEG 2000 codestream', j2kHeader(16000, 16000), size('jpeg2000', 16000, 16000)],
  ['JPEG 2000 (JP2 boxes)', jp2(16000, 16000), size('jpeg2000', 16000, 16000)],
  ['JPEG XL codestream', jxlHeader(16000, 16000), size('jpegxl', 16000, 16000)],
  ['JPEG XL container (jxlp)', jxlContainer(16000, 9000), size('jpegxl', 16000, 9000)],
  [
    'HEIC (iPhone: a 512x512 tile grid, its thumbnail)',
    heif('heic\0\0\0\0mif1heic', [
      [512, 512],
      [4032, 3024],
      [320, 240],
    ]),
    size('heif', 4032, 3024),
  ],
  ['HEIF (major brand mif1)', heif('mif1\0\0\0\0mif1heic', [[16000, 16000]]), size('heif', 16000, 16000)],
];

/** Recognised as a still, but no size can be read: refused, never passed on to a decoder. */
const UNREADABLE: Array<[string, Buffer, RegExp]> = [
  ['PNG without IHDR', Buffer.concat([pixelBombPng(1, 1).subarray(0, 12), Buffer.from('IDAT\0\0\0\0\0\0\0\0')]), /png.*IHDR/],
  ['JPEG whose data starts before a frame header', Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0]), /no frame header/],
  ['JPEG cut short', jpegHeader(640, 480).subarray(0, 30), /jpeg/],
  ['JPEG with a damaged marker', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0x12, 0x34, 0, 0, 0]), /damaged marker/],
  ['TIFF without a width', tiffFile(() => [[257, 4, [16000]]]), /0x16000/],
  ['TIFF whose IFD is past its end', Buffer.from('II*\0\xff\xff\0\0\0\0\0\0\0\0\0\0', 'latin1'), /past its end/],
  [
    'TIFF with a width of a wrong type',
    tiffFile(() => [
      [256, 4, [1, 2]],
      [257, 4, [16000]],
    ]),
    /width as type/,
  ],
  ['WebP without an image chunk', Buffer.from('RIFF\x0c\0\0\0WEBPICCP\0\0\0\0', 'latin1'), /no VP8/],
  ['WebP VP8 without a key frame', Buffer.from('RIFF\x16\0\0\0WEBPVP8 \x0a\0\0\0\0\0\0\0\0\0\0\0\0\0', 'latin1'), /key frame/],
  ['GIF of 0x0', gifHeader(0, 0), /0x0/],
  [
    'BMP with an unknown info header',
    Buffer.concat([Buffer.from('BM'), Buffer.alloc(12), Buffer.from([4, 0, 0, 0]), Buffer.alloc(16)]),
    /info header/,
  ],
  ['PPM without a size', Buffer.from('P6\n# nothing else\n', 'latin1'), /no width/],
  ['JP2 without a codestream', jp2(1, 1).subarray(0, 45), /codestream/],
  ['HEIC without an ispe', heif('heic\0\0\0\0mif1', []), /heif picture whose header declares no image size/],
  ['HEIC without a meta box', box('ftyp', Buffer.from('heic\0\0\0\0mif1', 'latin1')), /heif picture whose header has no meta box/],
];

const NOT_STILLS: Array<[string, Buffer]> = [
  ['MP4', Buffer.from('\0\0\0\x20ftypisom\0\0\0\0isomiso2', 'latin1')],
  ['MP4 that also lists mif1', Buffer.from('\0\0\0\x1cftypisom\0\0\0\0isommif1heic', 'latin1')],
  ['HEIF image sequence (msf1)', Buffer.from('\0\0\0\x18ftypmsf1\0\0\0\0msf1heic', 'latin1')],
  ['Matroska', Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01])],
  ['MPEG-TS', Buffer.concat([Buffer.from([0x47, 0x40, 0x00, 0x10]), Buffer.alloc(184, 0xff)])],
  ['text', Buffer.from('hello\n')],
];

describe('media: header sniffer (every accepted still format, before any decoder)', () => {
  for (const [what, bytes, expected] of READABLE) {
    it(`reads ${what}: ${expected.width}x${expected.height}`, async () => {
      expect(await parseHeader(bytes)).to.deep.equal(expected);
    });
  }

  for (const [what, bytes, message] of UNREADABLE) {
    it(`refuses ${what} (fail closed)`, async () => {
      const err = await parseHeader(bytes).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, what).to.be.instanceOf(UnreadableHeader);
      expect((err as Error).message).to.match(message);
    });
  }

  for (const [what, bytes] of NOT_STILLS) {
    it(`leaves ${what} to ffprobe (not a still)`, async () => {
      expect(await parseHeader(bytes)).to.equal(null);
    });
  }

  it('walks a JPEG whose EXIF and ICC blocks push the frame header past 64 KiB', async () => {
    const app = (marker: number, n: number): Buffer => {
      const b = Buffer.alloc(4 + n);
      b.writeUInt16BE(0xff00 | marker, 0);
      b.writeUInt16BE(n + 2, 2);
      return b;
    };
    const base = jpegHeader(16000, 16000, { sof: 0xc2 });
    const bytes = Buffer.concat([base.subarray(0, 2), app(0xe1, 65000), app(0xe2, 65000), app(0xe2, 65000), base.subarray(2)]);
    expect(await parseHeader(bytes)).to.deep.equal(size('jpeg', 16000, 16000));
  });
});

describe('media: header sniffer agrees with ffprobe on files ffmpeg makes', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loop-sniff-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, string[]]> = [
    ['a.png', []],
    ['a.jpg', []],
    ['a.gif', []],
    ['a.bmp', []],
    ['a.tiff', []],
    ['deflate.tiff', ['-c:v', 'tiff', '-compression_algo', 'deflate']],
    ['lossy.webp', ['-c:v', 'libwebp']],
    ['lossless.webp', ['-c:v', 'libwebp', '-lossless', '1']],
    ['a.qoi', ['-c:v', 'qoi', '-f', 'image2']],
    ['a.ppm', []],
    ['a.pgm', ['-pix_fmt', 'gray']],
    ['a.j2k', ['-c:v', 'jpeg2000', '-f', 'image2']],
    ['a.jp2', ['-c:v', 'jpeg2000', '-f', 'image2', '-format', 'jp2']],
    ['a.jls', ['-c:v', 'jpegls', '-f', 'image2']],
    ['a.jxl', ['-c:v', 'libjxl', '-f', 'image2']],
    ['small.jxl', ['-vf', 'scale=256:128', '-c:v', 'libjxl', '-f', 'image2']],
  ];
  for (const [name, args] of cases) {
    it(`${name}: the size ffprobe decodes is the size the header declares`, async () => {
      const path = join(dir, name);
      await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=333x217', '-frames:v', '1', ...args, '-y', path]);
      const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', path]);
      const [width, height] = stdout.trim().split(',').map(Number);
      const sniffed = await declaredSize(path);
      expect(sniffed, `${name}: ${(await readFile(path)).subarray(0, 16).toString('hex')}`).to.not.equal(null);
      expect([sniffed?.width, sniffed?.height]).to.deep.equal([width, height]);
    });
  }
});
