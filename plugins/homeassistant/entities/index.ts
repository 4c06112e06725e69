// Every entity Loop offers Home Assistant, in the order they are announced.
import type { EntityDef } from '../entity.js';
import { displayEntities } from './display.js';
import { loopEntities } from './loop.js';
import { mediaEntities } from './media.js';
import { playerEntities } from './player.js';
import { systemEntities } from './system.js';
import { wifiEntities } from './wifi.js';

export const entities: readonly EntityDef[] = [
  ...playerEntities,
  ...loopEntities,
  ...mediaEntities,
  ...systemEntities,
  ...wifiEntities,
  ...displayEntities,
];
