/**
 * The fault drills' one permission change, through a reference server's admin API: dave may read
 * #random only (he keeps sending to #general), so most clients' sends fan out to the few alice
 * clients instead of to all of them and the load stays on requests, not on events.
 */

/** Narrows dave's view grant to #random on the server at `httpUrl`; `origin` is sent where the server checks it. */
export async function narrowDave(httpUrl: string, adminToken: string, origin?: string): Promise<void> {
  const change = async (method: 'PUT' | 'DELETE', grant: string) => {
    const response = await fetch(`${httpUrl}/admin/users/dave/grants/${encodeURIComponent(grant)}`, {
      method,
      headers: { Authorization: `Bearer ${adminToken}`, ...(origin === undefined ? {} : { Origin: origin }) },
    });
    if (response.status !== 204) throw new Error(`${method} dave's ${grant}: HTTP ${response.status}`);
  };
  await change('PUT', 'chat.view_message@room:random');
  await change('DELETE', 'chat.view_message');
}
