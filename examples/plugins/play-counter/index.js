// An example third-party plugin, written from docs/plugins.md alone: it counts how often each clip
// starts playing (from the player's retained state), keeps the counts across restarts, publishes
// them retained on `<base>/play_counter`, and answers `counts` and `reset` over MQTT, REST and /ws.
export default function create() {
  return {
    id: 'play_counter',
    dependsOn: ['player'],
    configSchema: {
      type: 'object',
      properties: { top: { type: 'integer', minimum: 1, maximum: 1000 } },
      additionalProperties: false,
    },
    actions: {
      counts: {
        description: 'How often each clip started playing, most played first.',
        request: { type: 'object', properties: {}, additionalProperties: false },
        response: { type: 'object' },
      },
      reset: {
        description: 'Forget every count.',
        request: { type: 'object', properties: {}, additionalProperties: false },
        response: { type: 'object' },
      },
    },
    async start(ctx) {
      const top = ctx.config.top ?? 10;
      // The schema is checked on every read: a bad file is set aside and the last good generation restored.
      const doc = await ctx.store.open('counts', {
        version: 1,
        schema: {
          type: 'object',
          properties: { counts: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } } },
          required: ['counts'],
        },
        defaults: () => ({ counts: {} }),
      });
      const view = () => {
        const entries = Object.entries(doc.get().counts)
          .sort((a, b) => b[1] - a[1])
          .slice(0, top);
        return { counts: Object.fromEntries(entries), total: entries.reduce((n, [, c]) => n + c, 0) };
      };
      const publish = () => ctx.bus.publishRaw('play_counter', JSON.stringify(view()), { retain: true });

      // A clip "starts" when the player's playlist position or slug changes while it plays.
      let last = null;
      const off = ctx.bus.subscribe('player', (p) => {
        const key = p.state === 'playing' && p.slug ? `${p.slug}#${p.index}` : null;
        if (!key || key === last) return;
        last = key;
        const counts = { ...doc.get().counts, [p.slug]: (doc.get().counts[p.slug] ?? 0) + 1 };
        // Nobody was promised a count: written within a minute, not at every clip (SD cards wear).
        doc.setDeferred({ counts }, 60_000);
        publish().catch((err) => ctx.log.warn({ err: err.message }, 'could not publish the counts'));
      });
      await publish();

      return {
        handlers: {
          counts: async () => view(),
          reset: async () => {
            await doc.set({ counts: {} });
            await publish();
            return view();
          },
        },
        async stop() {
          off();
          await doc.flush();
        },
      };
    },
  };
}
