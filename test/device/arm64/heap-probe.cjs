// Preloaded (NODE_OPTIONS=--require) into every process that idle-trio.sh measures: on SIGUSR2 it
// prints the V8 heap of process.memoryUsage() on the process's own output, where the script reads
// it. CommonJS with no import, so it costs bare node and Loop the same and needs no build.
'use strict';
let answers = 0;
process.on('SIGUSR2', () => {
  const usage = process.memoryUsage();
  answers += 1;
  process.stdout.write(`HEAP#${answers} heap_used=${usage.heapUsed} heap_total=${usage.heapTotal} external=${usage.external}\n`);
});
