// The composition root: what core is handed to become Loop, namely the built-in plugins and the
// page's view paths (core/parts.ts says why core names neither itself).
import type { LoopParts } from '../core/parts.js';
import { VIEW_PATHS } from '../web/src/paths.js';
import { builtinPlugins } from './builtin.js';

export const loopParts: LoopParts = { builtins: builtinPlugins, viewPaths: VIEW_PATHS };
