// The wifi plugin's config section (config/default.yaml `wifi:`).
import { Type, type Static } from '@sinclair/typebox';

export const wifiConfig = Type.Object(
  {
    /** nmcli: an absolute path, or a name looked up on PATH. */
    nmcli_path: Type.String({ minLength: 1 }),
    /** The WiFi interface; null = the first WiFi device NetworkManager lists. */
    interface: Type.Union([Type.String({ minLength: 1, maxLength: 15 }), Type.Null()]),
    hotspot: Type.Object(
      {
        ssid: Type.String({ minLength: 1, maxLength: 32 }),
        /** WPA2 key, 8 to 63 printable ASCII characters; null = this device's own random one (kept 0600 in the data dir, shown on its screen). */
        password: Type.Union([Type.String({ minLength: 8, maxLength: 63, pattern: '^[\\x20-\\x7e]*$' }), Type.Null()]),
        channel: Type.Integer({ minimum: 1, maximum: 14 }),
        /** Address and prefix of Loop on the hotspot; phones get addresses from the same /24 (NetworkManager's shared mode). */
        address: Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$' }),
        /** The NetworkManager connection profile Loop keeps for its hotspot. */
        connection_name: Type.String({ minLength: 1, maxLength: 64 }),
      },
      { additionalProperties: false },
    ),
    /** Start the hotspot by itself: at start with no known network, and when the connection is lost for fallback_seconds. */
    auto_hotspot: Type.Boolean(),
    fallback_seconds: Type.Number({ minimum: 0.1, maximum: 86400 }),
    /** While the hotspot stands in for a lost network, look for known networks this often. */
    retry_seconds: Type.Number({ minimum: 0.1, maximum: 86400 }),
    /** Every Nth retry, try the known networks even when the scan (which some chips cannot do while serving a hotspot) does not show them; 0 = never. */
    blind_retry_every: Type.Integer({ minimum: 0, maximum: 1000 }),
    connect_timeout_seconds: Type.Integer({ minimum: 5, maximum: 300 }),
    /** A scan younger than this is answered from memory. */
    scan_cache_seconds: Type.Number({ minimum: 0, maximum: 3600 }),
    /** A safety refresh of the state this often (state changes arrive from `nmcli monitor` as they happen). */
    refresh_seconds: Type.Number({ minimum: 1, maximum: 86400 }),
  },
  { additionalProperties: false },
);
export type WifiConfig = Static<typeof wifiConfig>;
