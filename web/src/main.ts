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
// A 401 anywhere shows the login; a login brings the socket back at once.
watch(
  () => auth.needsLogin,
  (need) => {
    if (need && router.currentRoute.value.name !== 'login')
      void router.push({ name: 'login', query: { next: router.currentRoute.value.fullPath } });
    if (!need) live.conn.reconnectNow();
  },
);
app.mount('#app');
live.conn.start();
