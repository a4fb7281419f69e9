/**
 * The methods each registered path accepts, so an unmatched request can be told apart: a path that
 * exists with other methods gets 405 and an `Allow` header, anything else 404. Patterns use Fastify's
 * syntax (`/a/:id`, `/files/*`); a parameter matches one non-empty segment.
 */
export class RouteTable {
  private readonly routes = new Map<string, { re: RegExp; methods: Set<string> }>();

  add(methods: string | readonly string[], url: string): void {
    let entry = this.routes.get(url);
    if (!entry) {
      entry = { re: patternToRegExp(url), methods: new Set() };
      this.routes.set(url, entry);
    }
    for (const m of typeof methods === 'string' ? [methods] : methods) entry.methods.add(m.toUpperCase());
  }

  /** Methods registered for paths matching `path` (sorted), empty if none. */
  allowed(path: string): string[] {
    const out = new Set<string>();
    for (const { re, methods } of this.routes.values()) {
      if (re.test(path)) for (const m of methods) out.add(m);
    }
    return [...out].sort();
  }
}

function patternToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      return segment
        .split(/(:[A-Za-z0-9_]+(?:\([^)]*\))?)/)
        .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('');
    })
    .join('/');
  return new RegExp(`^${body}$`);
}
