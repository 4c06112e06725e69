// Whether a video is HDR, from ffprobe's stream: HLG and PQ (HDR10) are tone-mapped to SDR at
// conversion (profile.ts TONEMAP). Dolby Vision is judged by its configuration record: a base layer
// that is HDR10, HLG or SDR (profiles 7, 8.1, 8.2, 8.4: an iPhone records 8.4, HLG underneath) is
// converted as that layer; one with no standard picture underneath (profile 5, IPTPQc2 colours that
// only a Dolby Vision decoder maps right) would come out green and purple, so it is refused plainly.
import type { FfprobeStream } from 'fluent-ffmpeg';
import { ActionError } from '../../core/protocol/envelope.js';
import { asText } from '../../core/util/text.js';
import { HDR_TRANSFERS } from './profile.js';

/** ffprobe's `side_data_list` entry for a Dolby Vision configuration record (dvcC/dvvC box). */
interface DoviRecord {
  side_data_type?: string;
  dv_profile?: number;
  dv_bl_signal_compatibility_id?: number;
}

/** The Dolby Vision record of a stream, if it has one. */
function doviOf(stream: FfprobeStream): DoviRecord | undefined {
  const list = (stream as { side_data_list?: DoviRecord[] }).side_data_list ?? [];
  return list.find((d) => d.side_data_type === 'DOVI configuration record');
}

/** True for HLG or PQ video; throws `unsupported` for Dolby Vision with no standard base layer. */
export function hdrOf(stream: FfprobeStream): boolean {
  const dovi = doviOf(stream);
  if (dovi && (dovi.dv_bl_signal_compatibility_id ?? 0) === 0) {
    throw new ActionError(
      'unsupported',
      `Dolby Vision profile ${dovi.dv_profile ?? '?'} has no standard HDR or SDR picture underneath, so its colours cannot be converted: export it as HDR10, HLG or "most compatible" and upload that`,
    );
  }
  return HDR_TRANSFERS.has(asText((stream as { color_transfer?: unknown }).color_transfer));
}
