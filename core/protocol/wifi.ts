// The wifi plugin's state as the dashboard reads it. The wifi plugin (a later issue) owns it.
import { Type, type Static } from '@sinclair/typebox';

export const WifiState = Type.Object({
  mode: Type.Union([Type.Literal('client'), Type.Literal('hotspot'), Type.Literal('disconnected'), Type.Literal('unavailable')]),
  connected: Type.Boolean(),
  ssid: Type.Union([Type.String(), Type.Null()]),
  signal: Type.Union([Type.Number(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  configured_ssid: Type.Union([Type.String(), Type.Null()]),
  hotspot: Type.Object({ active: Type.Boolean(), ssid: Type.String() }),
  updated_at: Type.String(),
});
export type WifiState = Static<typeof WifiState>;
