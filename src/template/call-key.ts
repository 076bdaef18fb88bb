/**
 * The key two identical `secret` or `pkiCert` calls share (a write's parameters
 * in order): one request per distinct call in a render, as consul-template
 * shares a dependency, and what the agent schedules a refresh under.
 */
export function callKey(path: string, params: readonly string[]): string {
  return JSON.stringify([path, ...params]);
}
