/** The HTTP surface: build the app over the services; declare routes as data. */
export { type BuildAppOptions, buildApp } from './app.js';
export { resolveCaller } from './auth.js';
export { toErrorAnswer } from './error-handler.js';
export {
  defineRoute,
  type Route,
  type RouteModule,
  type RouteRequest,
  type RouteSchema,
  registerRoutes,
} from './route.js';
export { ROUTE_MODULES } from './routes.js';
export { VERSION } from './version.js';
