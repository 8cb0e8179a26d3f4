import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { JsonValue, WinmdmServer } from '../../src/index.js';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: JsonValue }> }>;
}

/**
 * Checks real answers against the server's OpenAPI document: the route must be documented, the
 * status must be one of its documented responses, and a JSON body must validate against that
 * response's schema. The end-to-end tests' API helpers call it on every answer they get.
 */
export class OpenApiChecker {
  readonly #doc: JsonValue;
  readonly #paths: { template: string; pattern: RegExp; params: number }[];
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(doc: JsonValue) {
    this.#doc = doc;
    this.#paths = Object.keys(doc['paths'] as Record<string, unknown>)
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
        params: (template.match(/\{/g) ?? []).length,
      }))
      // A static path wins over a parametric one, as in the router.
      .sort((a, b) => a.params - b.params);
  }

  /** The operation for a method and a concrete path (`/mdm/windows/devices/dev-1?winId=x`), if documented. */
  operation(method: string, path: string): { template: string; operation: Operation } | undefined {
    const pathname = path.split('?')[0] ?? path;
    const paths = this.#doc['paths'] as Record<string, Record<string, Operation>>;
    for (const p of this.#paths) {
      const operation = paths[p.template]?.[method.toLowerCase()];
      if (p.pattern.test(pathname) && operation) return { template: p.template, operation };
    }
    return undefined;
  }

  /** Throws unless the answer is documented and its JSON body validates. Undocumented paths (a 404 with no route) pass. */
  check(method: string, path: string, status: number, body: unknown): void {
    const found = this.operation(method, path);
    if (!found) return;
    const key = `${method.toUpperCase()} ${found.template} ${status}`;
    const response = found.operation.responses[String(status)];
    if (!response) throw new Error(`${key}: status ${status} is not documented (documented: ${Object.keys(found.operation.responses).join(', ')})`);
    const schema = response.content?.['application/json']?.schema;
    if (!schema || status === 304) return;
    let validate = this.#compiled.get(key);
    if (!validate) {
      validate = this.#ajv.compile({ ...schema, components: this.#doc['components'] });
      this.#compiled.set(key, validate);
    }
    if (!validate(body)) throw new Error(`${key}: the answer does not match the OpenAPI document: ${this.#ajv.errorsText(validate.errors)}`);
  }
}

const checkers = new WeakMap<WinmdmServer, OpenApiChecker>();

/** {@link OpenApiChecker.check} against the server's own document. */
export function checkDocumented(server: WinmdmServer, method: string, path: string, status: number, body: unknown): void {
  let checker = checkers.get(server);
  if (!checker) {
    checker = new OpenApiChecker(server.openapi());
    checkers.set(server, checker);
  }
  checker.check(method, path, status, body);
}
