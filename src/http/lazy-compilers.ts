/**
 * Fastify's own schema compilers (Ajv for validation, fast-json-stringify for responses), made
 * lazy: a route's validator and serializer are compiled on its first request instead of at start.
 * Compiling ~150 routes eagerly costs well over a second of start-up; most routes of a given
 * deployment are never called. The compiled functions are the same ones Fastify would build.
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type Compiled = ((this: unknown, data: unknown, ctx?: unknown) => unknown) & {
  errors?: unknown;
  schemaEnv?: unknown;
};
type RouteCompiler = (route: unknown) => Compiled;
type CompilerFactory = (externalSchemas: unknown, options: unknown) => RouteCompiler;

// Resolved through fastify, so these are exactly the versions it would use itself.
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
const ajvCompiler = fromFastify('@fastify/ajv-compiler') as () => CompilerFactory;
const serializerCompiler = fromFastify('@fastify/fast-json-stringify-compiler') as () => CompilerFactory;

function lazy(factory: CompilerFactory): CompilerFactory {
  return (externalSchemas, options) => {
    const compile = factory(externalSchemas, options);
    return (route) => {
      let fn: Compiled | undefined;
      const get = (): Compiled => {
        fn ??= compile(route);
        return fn;
      };
      const wrapper = function (this: unknown, data: unknown, ctx?: unknown) {
        return get().call(this, data, ctx);
      } as Compiled;
      // Fastify reads these off the validator: delegate to the compiled function.
      Object.defineProperty(wrapper, 'errors', { get: () => get().errors });
      Object.defineProperty(wrapper, 'schemaEnv', { get: () => get().schemaEnv });
      return wrapper;
    };
  };
}

/** The `schemaController` option for Fastify. */
export function lazySchemaController(): NonNullable<FastifyServerOptions['schemaController']> {
  return {
    compilersFactory: {
      buildValidator: lazy(ajvCompiler()) as never,
      buildSerializer: lazy(serializerCompiler()) as never,
    },
  };
}
