/** The caller of a service call (defined with the base modules, so the runtime can name it too). */
export type { RequestContext } from '../request-context.js';
