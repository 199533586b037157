/**
 * A connection URL fit for a log line or an error message: its password masked.
 *
 * @example
 * redactUrl('redis://:hunter2@cache:6379/0'); // 'redis://:***@cache:6379/0'
 * redactUrl('not a url');                     // '(unparseable URL)'
 */
export function redactUrl(uri: string): string {
  try {
    const u = new URL(uri);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
