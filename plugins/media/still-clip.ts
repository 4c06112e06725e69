// A still as a clip: its picture (the PNG at the screen's size) made into a short clip of the
// clips' profile (profile.ts stillClipArgs), so the player can put the still on the loop's one
// timeline (mpv 0.35 cannot take a picture as an EDL segment). Made once, beside the picture, which
// stays: the thumbnail's source, and what plays while the clip is not made yet or could not be. A
// failure leaves the picture alone (reported, the still plays as a picture), never a broken item.
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fsyncPath } from '../../core/store/atomic-write.js';
import { FfmpegCancelled, runFfmpeg } from './ffmpeg-run.js';
import { TEMP_PREFIX } from './layout.js';
import { probeMedia } from './probe.js';
import { STILL_CLIP_SECONDS, stillClipArgs } from './profile.js';
import type { MediaConfig } from './config.js';
import type { StillClipFile } from './library.js';
import type { MediaShared } from './shared.js';

/** A still clip written under its temp name, fsynced; `entry` is what the index records once it is renamed into place. */
export interface StillClipMade {
  tmp: string;
  entry: StillClipFile;
}

/** Where a still's clip goes: its temp name for this job and its name in the library (beside the picture, `.mp4`). */
export function stillClipNames(shared: MediaShared, sha: string, key: string, jobId: string): { tmp: string; file: string } {
  const file = shared.layout.clipName(sha, key, 'video');
  return { tmp: join(shared.layout.clips, `${TEMP_PREFIX}${jobId}-${basename(file)}`), file };
}

/**
 * Encodes the clip of the picture `picture` into `names.tmp` and fsyncs it. Returns `{failed}` when
 * ffmpeg failed (logged; the still plays as a picture); a cancelled job throws FfmpegCancelled.
 */
export async function makeStillClip(
  shared: MediaShared,
  cfg: MediaConfig,
  picture: string,
  names: { tmp: string; file: string },
  signal: AbortSignal,
  slug: string,
): Promise<StillClipMade | { failed: string }> {
  const limits = shared.probeLimits;
  try {
    await runFfmpeg({
      input: picture,
      output: names.tmp,
      args: stillClipArgs(cfg),
      ffmpegPath: cfg.ffmpeg_path,
      limits: limits.child,
      maxPixels: cfg.max_pixels,
      durationSeconds: STILL_CLIP_SECONDS,
      signal,
      niceness: 10,
    });
    const out = await probeMedia(names.tmp, { ...limits, maxDurationSeconds: null });
    await fsyncPath(names.tmp);
    // The video's own length (whole frames), which the player's EDL parts repeat.
    const duration = out.frame_count > 0 ? out.frame_count / cfg.display.fps : STILL_CLIP_SECONDS;
    const { size } = await stat(names.tmp);
    return { tmp: names.tmp, entry: { file: names.file, duration, size, has_audio: out.has_audio } };
  } catch (err) {
    if (err instanceof FfmpegCancelled || signal.aborted) throw new FfmpegCancelled();
    const message = err instanceof Error ? err.message : String(err);
    shared.log.warn({ slug, err: message }, 'the still clip could not be made: the still plays as a picture (outside the timeline)');
    return { failed: message };
  }
}
