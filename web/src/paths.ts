// The page's views and their URLs: read by the router (web/src/router.ts) and by the server, which
// answers these paths with index.html (core/http/static.ts) so a reload or a shared link works.
// `tab`: shown in the tab bar (the others are reached from a view: Access, Settings and Screen schedule from System).
export const VIEWS = [
  { path: '/', name: 'now', title: 'Now playing', tab: true },
  { path: '/loop', name: 'loop', title: 'Loop', tab: true },
  { path: '/library', name: 'library', title: 'Library', tab: true },
  { path: '/wifi', name: 'wifi', title: 'WiFi', tab: true },
  { path: '/system', name: 'system', title: 'System', tab: true },
  { path: '/access', name: 'access', title: 'Access', tab: false },
  { path: '/settings', name: 'settings', title: 'Settings', tab: false },
  { path: '/schedule', name: 'schedule', title: 'Screen schedule', tab: false },
  { path: '/login', name: 'login', title: 'Log in', tab: false },
] as const;

export type ViewName = (typeof VIEWS)[number]['name'];
export const VIEW_PATHS: readonly string[] = VIEWS.map((v) => v.path);
