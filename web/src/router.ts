// One URL per view (web/src/paths.ts), so a phone's back button and a reload work. The login view
// is shown when the server asks for it (GET /api/auth/status, or a 401 on any call).
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { nextTick, type Component } from 'vue';
import { VIEWS, type ViewName } from './paths.js';
import NowPlaying from './views/NowPlaying.vue';
import LoopView from './views/LoopView.vue';
import LibraryView from './views/LibraryView.vue';
import WifiView from './views/WifiView.vue';
import SystemView from './views/SystemView.vue';
import LoginView from './views/LoginView.vue';
import { useAuth } from './stores/auth.js';

// Views most visits never open are loaded when first opened, so the first load stays small.
const COMPONENTS: Record<ViewName, Component | (() => Promise<Component>)> = {
  now: NowPlaying,
  loop: LoopView,
  library: LibraryView,
  wifi: WifiView,
  system: SystemView,
  login: LoginView,
  access: () => import('./views/AccessView.vue'),
  settings: () => import('./views/SettingsView.vue'),
  schedule: () => import('./views/ScheduleView.vue'),
};

const routes: RouteRecordRaw[] = [
  ...VIEWS.map((v) => ({ path: v.path, name: v.name, component: COMPONENTS[v.name], meta: { title: v.title } })),
  { path: '/:rest(.*)*', redirect: '/' },
];

/** Where each view was scrolled when the person left it: a tab opens where they were, not at the top. */
const scrolledTo = new Map<string, number>();

export const router = createRouter({
  history: createWebHistory(),
  routes,
  // Back and forward: the browser's saved position. A link to an item (`/library#item-<slug>`, from the
  // upload tray): that item. A tab: where the view was left; a view opened for the first time: its top.
  scrollBehavior: (to, _from, saved) => {
    if (saved) return saved;
    if (to.hash) return { el: to.hash, behavior: 'smooth' };
    return { top: scrolledTo.get(String(to.name)) ?? 0 };
  },
});

router.beforeEach((_to, from) => {
  if (from.name !== undefined) scrolledTo.set(String(from.name), window.scrollY);
});

router.beforeEach(async (to) => {
  const auth = useAuth();
  if (!auth.checked) await auth.check();
  if (auth.needsLogin && to.name !== 'login') return { name: 'login', query: { next: to.fullPath } };
  if (!auth.needsLogin && to.name === 'login') return { path: '/' };
  return true;
});

router.afterEach((to, from) => {
  document.title = `${typeof to.meta.title === 'string' ? to.meta.title : ''} · Loop`;
  // After a tab change (not the first load), the focus goes to the new view's heading, so a screen
  // reader announces where the person is and the keyboard starts from the top of the view.
  if (from.matched.length === 0 || to.path === from.path) return;
  void nextTick(() => {
    const heading = document.querySelector<HTMLElement>('main h1');
    if (!heading) return;
    heading.tabIndex = -1;
    // The scroll is the router's (scrollBehavior): the focus must not move it.
    heading.focus({ preventScroll: true });
  });
});
