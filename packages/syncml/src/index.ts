export type { SyncMLMessage } from './SyncMLMessage.js';
