// Types for .vue single-file components, for tsc-based tools that do not read them (vue-tsc does).
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
