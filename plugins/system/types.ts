// What the system plugin's files share.
import type { ScopedBus } from '../../core/plugins/api.js';
export { StorageReport, SystemState } from '../../core/protocol/index.js';
export type ScopedBusLike = Pick<ScopedBus, 'request'>;
