// The one message contract of Loop. Import from here.
export * from './envelope.js';
export * from './bridge.js';
export * from './topics.js';
export * from './actions.js';
export * from './system.js';
export * from './player.js';
export * from './loop.js';
export * from './media.js';
export * from './wifi.js';
export * from './dashboard.js';
export * from './homeassistant.js';
export * from './display.js';
export * from './secrets.js';
export * from './state.js';
export * from './rooms.js';
export * from './entities.js';
export * from './auth.js';
