// The player's pure inputs for table tests and integration set-ups: a library item, a loop state and
// a hotspot's wifi state, with defaults a test overrides only where it matters.
import type { LoopState, MediaItem, WifiState } from '../../core/protocol/index.js';

export function media(slug: string, kind: 'video' | 'image' = 'video', status: MediaItem['processing_status'] = 'ready'): MediaItem {
  return {
    slug,
    filename: `${slug}.mp4`,
    type: 'video/mp4',
    size: 1,
    uploadedAt: '',
    url: '',
    thumbnail_url: null,
    kind,
    duration: 1,
    width: 320,
    height: 240,
    frame_count: 25,
    processing_status: status,
    path: status === 'ready' ? `/m/${slug}` : null,
  };
}

export function loopState(slugs: string[], over: Partial<LoopState> = {}): LoopState {
  return {
    items: slugs.map((slug) => ({ slug, repeat: null, duration: null })),
    current_index: 0,
    active: slugs[0] ?? null,
    mode: 'all',
    repeat: 1,
    image_duration: 10,
    shuffle: false,
    shuffle_seed: null,
    order: slugs,
    cue: 1,
    updated_at: '',
    ...over,
  };
}

/** The wifi state of a device in hotspot mode (the idle card names the network to join). */
export function hotspotWifi(ssid = 'LOOP-Setup', updatedAt = new Date().toISOString()): WifiState {
  return {
    mode: 'hotspot',
    connected: false,
    ssid: null,
    signal: null,
    ip: '192.168.100.1',
    configured_ssid: null,
    hotspot: { active: true, ssid },
    updated_at: updatedAt,
  };
}
