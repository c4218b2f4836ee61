export { type HonoFetchHandler, toHonoHandler } from './to-hono-handler.js';
