// An example third-party plugin, written from docs/plugins.md alone: it counts how often each clip
// starts playing (from the player's retained state), keeps the counts across restarts, publishes
// them retained on `<base>/play_counter`, answers `counts` and `reset` over MQTT, REST and /ws, offers
// Home Assistant a sensor and a button, and has a command line command (`loop play_counter topic`).
// Its timer and the topic it follows run on its lane (ctx.lane): one at a time with its commands,
// so it needs no lock, and the host cancels both when it stops.
export default function create() {
  return {
    id: 'play_counter',
    dependsOn: ['player'],
    configSchema: {
      type: 'object',
      properties: {
        top: { type: 'integer', minimum: 1, maximum: 1000 },
        // Clip starts arriving together make one message: the counts go out at most this often.
        publish_ms: { type: 'integer', minimum: 50, maximum: 60000 },
      },
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
    // Home Assistant entities, as data: the homeassistant plugin announces them while this plugin runs.
    entities: [
      {
        platform: 'sensor',
        id: 'total',
        name: 'Clip starts',
        topic: 'play_counter',
        field: 'total',
        state_class: 'total',
        icon: 'mdi:counter',
      },
      { platform: 'button', id: 'reset', name: 'Reset clip starts', action: 'reset', icon: 'mdi:restart' },
    ],
    // `loop play_counter topic [--config FILE]`: where to read the counts, for a script or a dashboard.
    cli: {
      topic: {
        summary: 'Print the MQTT topic the counts are published on (retained)',
        usage: '[--config FILE]',
        async run(_args, env) {
          env.print(`${env.baseTopic}/play_counter`);
        },
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

      // A clip "starts" when the player's playlist position or slug changes while it plays. Followed
      // on the lane: a start never interleaves with `reset`.
      let last = null;
      let changed = false;
      ctx.lane.follow('player', 'counting a clip start', (p) => {
        const key = p.state === 'playing' && p.slug ? `${p.slug}#${p.index}` : null;
        if (!key || key === last) return;
        last = key;
        const counts = { ...doc.get().counts, [p.slug]: (doc.get().counts[p.slug] ?? 0) + 1 };
        // Nobody was promised a count: written within a minute, not at every clip (SD cards wear).
        doc.setDeferred({ counts }, 60_000);
        changed = true;
      });
      // Publishes what changed since the last tick; a failure is logged by the lane, and the next tick tries again.
      ctx.lane.every(ctx.config.publish_ms ?? 1000, 'publishing the counts', async () => {
        if (!changed) return;
        changed = false;
        try {
          await publish();
        } catch (err) {
          changed = true;
          throw err;
        }
      });
      await publish();

      return {
        handlers: {
          counts: async () => view(),
          reset: async () => {
            await doc.set({ counts: {} });
            changed = false;
            await publish();
            return view();
          },
        },
        async stop() {
          // The follow and the timer are the lane's (the host cancelled them); only the counts are ours.
          await doc.flush();
        },
      };
    },
  };
}
