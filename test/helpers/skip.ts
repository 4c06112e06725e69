// A skipped test says why, in the output, not only in a comment.
export function skipBecause(ctx: Mocha.Context, why: string): never {
  console.log(`      (skipped: ${why})`);
  ctx.skip();
}
