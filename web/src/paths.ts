// The page's views and their URLs: read by the router (web/src/router.ts) and by the server, which
// answers these paths with index.html (core/http/static.ts) so a reload or a shared link works.
export const VIEWS = [
  { path: '/', name: 'now', title: 'Now playing' },
  { path: '/loop', name: 'loop', title: 'Loop' },
  { path: '/library', name: 'library', title: 'Library' },
  { path: '/wifi', name: 'wifi', title: 'WiFi' },
  { path: '/system', name: 'system', title: 'System' },
  { path: '/login', name: 'login', title: 'Log in' },
] as const;

export type ViewName = (typeof VIEWS)[number]['name'];
export const VIEW_PATHS: readonly string[] = VIEWS.map((v) => v.path);
