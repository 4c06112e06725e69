// The /ws rooms a page joins (the first version's names): part of the contract, so the page reads
// them from here and never from the gateway's code.
export const ROOMS = ['dashboard', 'progress', 'wifi', 'system'] as const;
export type Room = (typeof ROOMS)[number];
