import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listenOnLoopback } from '../../support/listen';

/** A file the page server serves: its media type and content. */
export interface PageFile {
  type: string;
  body: string | Buffer;
}

/** What a page server saw of one request. */
export interface PageRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** A running page server. */
export interface PageServer {
  /** Its origin, such as `http://127.0.0.1:41234`: where the pages come from. */
  origin: string;
  port: number;
  /** The files it serves, by path: add to them once the server is up. */
  files: Record<string, PageFile>;
  /** The requests it answered, in order. */
  requests: PageRequest[];
  /** Closes it, dropping the browser's kept-alive connections. */
  close(): Promise<void>;
}

/** An HTML page that loads the ES module `script` (a path on the same server). */
export function htmlPage(script: string, title = 'rx-assistants browser test'): PageFile {
  return {
    type: 'text/html; charset=utf-8',
    body: `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title>\n<script type="module" src="${script}"></script></head><body></body></html>\n`,
  };
}

/**
 * Serves `files` (by path, such as `/` and `/page.js`) on 127.0.0.1, a free
 * port: the origin of the pages under test. Any other path is a 404; any
 * `Host` is answered, so the same server can play `evil.example`.
 */
export async function servePages(files: Record<string, PageFile> = {}): Promise<PageServer> {
  const requests: PageRequest[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://pages').pathname;
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
    const file = files[path];
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  const port = await listenOnLoopback(server);
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    files,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
