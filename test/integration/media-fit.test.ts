// Fit, rotated screens and orientation, checked on the converted files' pixels: pictures with a
// coloured band on each edge (media made at test time) show whether the subject is whole, cropped,
// or on a blurred fill; a red corner marker shows whether a photo or a phone clip came out upright.
import { expect } from 'chai';
import type { MediaProgress, V1MediaItem } from '../../core/protocol/media.js';
import { http, removeDir, startTestLoop, tempDir, type TestLoop } from '../helpers/loop.js';
import { uploadConverted, waitItem } from '../helpers/media-files.js';
import {
  BLACK,
  BLUE,
  GRAY,
  GREEN,
  RED,
  YELLOW,
  edgesClip,
  edgesStill,
  frameRgb,
  jpegWithOrientation6,
  mp4WithDisplayMatrix90,
  near,
  type Rgb,
} from '../helpers/pictures.js';

type Fit = 'blur' | 'cover' | 'contain';

/** A Loop whose screen is a 320x240 panel, mounted as `rotation` says, converting with `fit`. */
function screenLoop(fit: Fit, rotation: 0 | 90, dataDir?: string, keepOriginals = false): Promise<TestLoop> {
  return startTestLoop(
    {
      plugins: ['system', 'display', 'media'],
      display: { width: 320, height: 240, fps: 10, rotation, backlight: null, mpv_fallback: false },
      media: { display: { fit }, keep_originals: keepOriginals },
    },
    dataDir ? { dataDir } : {},
  );
}

const convert = (loop: TestLoop, path: string): Promise<V1MediaItem> => uploadConverted(loop.http, path);

const isNot = (c: Rgb, what: Rgb): boolean => !near(c, what);

describe('media: fit, rotated screens and orientation, by the pixels of the output', function () {
  this.timeout(180_000);
  const loops: TestLoop[] = [];
  const start = async (fit: Fit, rotation: 0 | 90, dataDir?: string, keepOriginals = false): Promise<TestLoop> => {
    const loop = await screenLoop(fit, rotation, dataDir, keepOriginals);
    loops.push(loop);
    return loop;
  };
  afterEach(async () => {
    for (const loop of loops.splice(0)) {
      await loop.stop();
      removeDir(loop.dataDir);
    }
  });

  // Portrait 480x640 on the 320x240 canvas: whole, it is 180x240 at x 70..250, bands 15 px.
  // Landscape 640x480 on the 240x320 canvas (the panel turned 90): 240x180 at y 70..250.
  const portrait = {
    top: [160, 5],
    bottom: [160, 234],
    left: [77, 120],
    right: [243, 120],
    sides: [
      [20, 120],
      [300, 120],
    ],
  } as const;
  const landscape = {
    top: [120, 77],
    bottom: [120, 243],
    left: [5, 160],
    right: [234, 160],
    sides: [
      [120, 20],
      [120, 300],
    ],
  } as const;

  for (const fit of ['blur', 'contain'] as const) {
    it(`${fit}: the whole picture, its four edge bands visible, ${fit === 'blur' ? 'on a blurred fill of itself' : 'letterboxed in black'}`, async () => {
      for (const [rotation, input, where, size] of [
        [0, await edgesStill(480, 640), portrait, [320, 240]],
        [90, await edgesStill(640, 480), landscape, [240, 320]],
      ] as const) {
        const loop = await start(fit, rotation);
        const out = await frameRgb((await convert(loop, input)).path as string);
        expect([out.width, out.height], `rotation ${rotation}`).to.deep.equal(size);
        const say = (what: string): string => `${fit}, rotation ${rotation}: ${what}`;
        expect(near(out.at(where.top[0], where.top[1]), RED), say('top band')).to.equal(true);
        expect(near(out.at(where.bottom[0], where.bottom[1]), BLUE), say('bottom band')).to.equal(true);
        expect(near(out.at(where.left[0], where.left[1]), GREEN), say('left band')).to.equal(true);
        expect(near(out.at(where.right[0], where.right[1]), YELLOW), say('right band')).to.equal(true);
        for (const side of where.sides) {
          const c = out.at(side[0], side[1]);
          if (fit === 'contain') expect(near(c, BLACK, 16), say(`letterbox at ${side.join(',')}: ${c.join(',')}`)).to.equal(true);
          else expect(isNot(c, BLACK), say(`fill at ${side.join(',')}: ${c.join(',')}`)).to.equal(true);
        }
      }
    });
  }

  it('cover: fills the canvas and crops the overflow (two bands gone, two kept)', async () => {
    for (const [rotation, input, kept, lost] of [
      [
        0,
        await edgesStill(480, 640),
        [
          [5, 120, GREEN],
          [315, 120, YELLOW],
        ],
        [
          [160, 5, RED],
          [160, 234, BLUE],
        ],
      ],
      [
        90,
        await edgesStill(640, 480),
        [
          [120, 5, RED],
          [120, 314, BLUE],
        ],
        [
          [5, 160, GREEN],
          [234, 160, YELLOW],
        ],
      ],
    ] as const) {
      const loop = await start('cover', rotation);
      const out = await frameRgb((await convert(loop, input)).path as string);
      for (const [x, y, c] of kept) expect(near(out.at(x, y), c), `rotation ${rotation}: kept at ${x},${y}`).to.equal(true);
      for (const [x, y, c] of lost) expect(near(out.at(x, y), c), `rotation ${rotation}: cropped at ${x},${y}`).to.equal(false);
    }
  });

  it('blur on a portrait phone clip: H.264 at the canvas, the subject whole between blurred sides', async () => {
    const loop = await start('blur', 0);
    const out = await frameRgb((await convert(loop, await edgesClip(480, 640))).path as string, 0.2);
    expect([out.width, out.height]).to.deep.equal([320, 240]);
    expect(near(out.at(...portrait.top), RED) && near(out.at(...portrait.bottom), BLUE), 'top and bottom bands').to.equal(true);
    expect(near(out.at(...portrait.left), GREEN) && near(out.at(...portrait.right), YELLOW), 'left and right bands').to.equal(true);
    // The fill is the picture blurred: where its green band (27 px wide at the fill's scale) met the
    // gray, a sharp picture is one or the other; the blurred one is in between (measured 71,179,72).
    const fill = out.at(29, 120);
    expect(isNot(fill, BLACK) && isNot(fill, GREEN) && isNot(fill, GRAY), `fill ${fill.join(',')}`).to.equal(true);
  });

  it("one item's fit, set over the config's (POST /api/media/{slug}/fit), converts it again: cover → contain → back to the config", async () => {
    // Only an original can be refitted (a cropped clip cannot be made whole): kept here.
    const loop = await start('cover', 0, undefined, true);
    const item = await convert(loop, await edgesStill(480, 640));
    const side = (o: { at(x: number, y: number): Rgb }): Rgb => o.at(20, 120);
    expect(near(side(await frameRgb(item.path as string)), BLACK, 16), 'cover: no letterbox').to.equal(false);
    const set = async (fit: Fit | null): Promise<V1MediaItem> => {
      const before = (await http('GET', `${loop.http}/api/media/${item.slug}`)).json.data as V1MediaItem;
      const r = await http('POST', `${loop.http}/api/media/${item.slug}/fit`, { fit });
      expect(r.status, JSON.stringify(r.json)).to.equal(200);
      return waitItem(loop.http, item.slug, (x) => x.path !== before.path && x.processing_status === 'completed', 60_000);
    };
    const contained = await set('contain');
    expect(near(side(await frameRgb(contained.path as string)), BLACK, 16), 'contain: letterboxed').to.equal(true);
    const back = await set(null);
    expect(back.path, "the config's fit again: the same name as the first conversion").to.equal(item.path);
    const bad = await http('POST', `${loop.http}/api/media/${item.slug}/fit`, { fit: 'stretch' });
    expect(bad.status).to.equal(400);
    // Without its original (the default: media.keep_originals off) the refusal says why.
    const other = await start('cover', 0);
    const gone = await convert(other, await edgesStill(480, 640));
    const refused = await http('POST', `${other.http}/api/media/${gone.slug}/fit`, { fit: 'contain' });
    expect(refused.status).to.equal(409);
    expect(String(refused.json.message)).to.match(/original .* is gone/);
  });

  it('a JPEG with EXIF orientation 6 and a clip with a 90-degree display matrix come out upright on the turned panel (240x320)', async () => {
    const loop = await start('cover', 90);
    for (const input of [await jpegWithOrientation6(), await mp4WithDisplayMatrix90()]) {
      const out = await frameRgb((await convert(loop, input)).path as string);
      const name = input.split('/').pop() as string;
      expect([out.width, out.height], name).to.deep.equal([240, 320]);
      // The marker (40 px) is top-left when upright; anywhere else the picture is turned or mirrored.
      expect(near(out.at(15, 15), RED), `${name}: marker top-left, found ${out.at(15, 15).join(',')}`).to.equal(true);
      for (const [x, y] of [
        [225, 15],
        [15, 305],
        [225, 305],
      ] as const)
        expect(near(out.at(x, y), RED), `${name}: no marker at ${x},${y}`).to.equal(false);
    }
  });

  it('turning the panel to 90 converts the library again in the background, with progress: 240x320, filled', async () => {
    const dataDir = tempDir();
    let loop = await start('blur', 0, dataDir);
    // A clip of a few seconds: its conversion lasts long enough to be watched.
    const before = await convert(loop, await edgesClip(640, 480, 4));
    expect([before.width, before.height]).to.deep.equal([320, 240]);
    await loop.stop();
    loops.splice(0);
    loop = await start('blur', 90, dataDir);
    const progress: MediaProgress[] = [];
    loop.runtime.bus.subscribe('media/progress', (p) => void progress.push(p));
    const after = await waitItem(loop.http, before.slug, (x) => x.height === 320 && x.processing_status === 'completed', 60_000);
    expect([after.width, after.height]).to.deep.equal([240, 320]);
    expect(after.path).to.not.equal(before.path);
    const out = await frameRgb(after.path as string, 0.2);
    // Landscape on the portrait canvas: the whole picture, blurred fill above and below.
    expect(near(out.at(...landscape.left), GREEN) && near(out.at(...landscape.right), YELLOW)).to.equal(true);
    for (const [x, y] of landscape.sides) expect(isNot(out.at(x, y), BLACK), `fill at ${x},${y}`).to.equal(true);
    const stages = progress.filter((p) => p.slug === before.slug).map((p) => p.stage);
    expect(stages, 'progress of the re-conversion').to.include.members(['converting', 'done']);
  });
});
