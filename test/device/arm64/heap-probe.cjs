// Preloaded (NODE_OPTIONS=--require) into every process that idle-trio.sh measures: on SIGUSR2 it
// prints the V8 heap of process.memoryUsage() on the process's own output, where the script reads
// it. The third signal first runs a full GC, so that reading holds live objects only (the floor a
// settled heap tends to). CommonJS with no import at load, so it costs bare node and Loop the same
// and needs no build; v8 and vm are loaded only for that GC (getBuiltinModule: Node >= 20.16).
'use strict';
let answers = 0;
process.on('SIGUSR2', () => {
  answers += 1;
  if (answers === 3) {
    process.getBuiltinModule('v8').setFlagsFromString('--expose-gc');
    process.getBuiltinModule('vm').runInNewContext('gc')();
  }
  const usage = process.memoryUsage();
  process.stdout.write(`HEAP#${answers} heap_used=${usage.heapUsed} heap_total=${usage.heapTotal} external=${usage.external}\n`);
});
