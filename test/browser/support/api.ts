import { request } from 'node:http';

/**
 * The ids of the assistants a server holds, asked from Node (no `Origin`, a
 * loopback `Host`), with the server's API key if it has one.
 */
export async function assistantIds(baseUrl: string, apiKey?: string): Promise<string[]> {
  const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const response = await fetch(`${baseUrl}/assistants?limit=100`, { headers });
  if (response.status !== 200) throw new Error(`GET /assistants answered ${response.status}`);
  const page = (await response.json()) as { data: { id: string }[] };
  return page.data.map((assistant) => assistant.id);
}

/**
 * A GET of `url` from Node with the `Host` header given (which `fetch` does
 * not let one set): its status and JSON body.
 */
export function getWithHost(url: string, host: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
