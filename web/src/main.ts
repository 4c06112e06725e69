// The dashboard's entry: Pinia, the router, and the live connection started once the page mounts.
import { createApp, watch } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { router } from './router.js';
import { useAuth } from './stores/auth.js';
import { useLive } from './stores/live.js';
import './style.css';

const app = createApp(App);
app.use(createPinia());
app.use(router);
const auth = useAuth();
const live = useLive();
// A 401 anywhere shows the login and closes the connection (a logged-out page neither polls nor
// retries: each try would be one more 401); a login opens it again at once.
watch(
  () => auth.needsLogin,
  (need) => {
    if (need && router.currentRoute.value.name !== 'login')
      void router.push({ name: 'login', query: { next: router.currentRoute.value.fullPath } });
    if (need) live.conn.stop();
    else live.conn.start();
  },
);
app.mount('#app');
// The router's first guard asks the server whether this page must log in; the connection starts after.
void router.isReady().then(() => {
  if (!auth.needsLogin) live.conn.start();
});
