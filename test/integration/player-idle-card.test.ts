// The idle card on the device's own screen shows what proves presence: the setup code while the
// device is unclaimed, the hotspot's password while the hotspot is up, large. The real player draws
// it on a real mpv; the test reads the card mpv was given (every osd-overlay the player sends,
// recorded on its way to mpv) and checks that MQTT, where an external broker carries everything
// across the network, never holds either secret.
import { expect } from 'chai';
import type { PlayerState } from '../../core/protocol/index.js';
import { DeviceSecret, HOTSPOT_PASSWORD } from '../../core/auth/device-secret.js';
import { MpvIpc } from '../../plugins/player/mpv-ipc.js';
import { claim, setupCode } from '../helpers/auth.js';
import { mpvSocket, startTestLoop, type TestLoop } from '../helpers/loop.js';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { until } from '../helpers/wait.js';
import { hotspotWifi } from '../helpers/player-fixtures.js';

describe('player: the idle card shows the setup code and the hotspot password, and only the screen does', function () {
  this.timeout(30_000);
  let loop: TestLoop;
  let mqtt: TestMqtt;
  /** Every card (ASS) the player handed to mpv's osd-overlay, in order; null for a removal. */
  const cards: Array<string | null> = [];
  // The real method, kept to restore it and to pass every command on to mpv.
  const original = Object.getOwnPropertyDescriptor(MpvIpc.prototype, 'command')?.value as MpvIpc['command'];

  before(async () => {
    MpvIpc.prototype.command = function (this: MpvIpc, ...args: Parameters<MpvIpc['command']>) {
      if (args[0] === 'osd-overlay') cards.push(args[2] === 'none' ? null : String(args[3]));
      return original.apply(this, args);
    };
    loop = await startTestLoop({
      auth: { mode: 'on' },
      plugins: ['system', 'player', 'loop'],
      player: { vo: 'null', ao: 'null', ipc_socket: mpvSocket(), idle_screen: true },
    });
    mqtt = await connectMqtt(loop.mqtt as string);
    await mqtt.subscribe('#');
  });
  after(async () => {
    MpvIpc.prototype.command = original;
    await mqtt?.end();
    await loop?.stop();
  });

  const lastCard = (): string | null => cards.at(-1) ?? null;
  const everyPayload = (): string => mqtt.received.map((m) => `${m.topic} ${String(m.payload)}`).join('\n');

  it('while unclaimed the card shows the code in large type; MQTT never carries it', async () => {
    const code = setupCode(loop.dataDir);
    const shown = `${code.slice(0, 4)}-${code.slice(4)}`;
    await until(() => (lastCard() ?? '').includes(shown), 10_000, 'the card with the code');
    expect(lastCard()).to.match(new RegExp(`\\\\fs100\\\\b1}\\\\N${shown}`));
    const player = loop.runtime.bus.last('player') as PlayerState;
    expect(player.screen, 'the published text is the card without secrets').to.match(/The loop is empty/);
    expect(player.screen).not.to.include(code).and.not.include(shown);
    expect(everyPayload()).not.to.include(code).and.not.include(shown);
  });

  it('while the hotspot is up the card shows its password with its name; MQTT never carries it', async () => {
    const password = await new DeviceSecret(loop.dataDir, HOTSPOT_PASSWORD).ensure();
    await loop.runtime.bus.publish('wifi', hotspotWifi(), { retain: true });
    await until(() => (lastCard() ?? '').includes(password), 10_000, 'the card with the hotspot password');
    expect(lastCard()).to.include('Join the WiFi network\\N"LOOP-Setup"').and.include(`\\fs84\\b1}\\N${password}`);
    expect(everyPayload()).not.to.include(password);
  });

  it('after the claim the card drops the code (and the code it showed is spent)', async () => {
    const code = setupCode(loop.dataDir);
    await claim(loop);
    await until(() => lastCard() !== null && !lastCard()?.includes('Setup code'), 10_000, 'the card without the code');
    expect(lastCard()).not.to.include(`${code.slice(0, 4)}-${code.slice(4)}`);
    expect(setupCode(loop.dataDir)).not.to.equal(code);
  });
});
