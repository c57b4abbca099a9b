// A small HTTP(S) GET for symbol servers: redirects (bounded), proxies from the standard environment
// variables (CONNECT tunnels for HTTPS), connect and idle timeouts, a size cap, and progress callbacks.
// The body is kept in memory or streamed into a file (PDBs can be gigabytes). It never retries by itself;
// callers decide what is worth retrying, and errors say whether the server could be reached at all.
import { createWriteStream, type WriteStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';

export interface HttpOptions {
  /** Idle timeout: no byte for this long fails the request. */
  timeoutMs: number;
  /** Absolute time (Date.now() scale) by which the whole request, redirects included, must finish. */
  deadlineAt?: number;
  /** The budget deadlineAt was computed from, for messages. */
  deadlineMs?: number;
  maxBytes: number;
  env: Record<string, string | undefined>;
  userAgent: string;
  onProgress?: (received: number, total: number | undefined) => void;
  /** Stream the body into this file (created or truncated) instead of keeping it in memory. */
  file?: string;
  /** Certificates to trust instead of the default ones (a private server; NODE_EXTRA_CA_CERTS adds to them instead). */
  ca?: string | Buffer;
}

export type HttpResult =
  /** The body in memory, or (with `file`) its size once written. */
  | { kind: 'ok'; body?: Uint8Array; size: number; url: string }
  | { kind: 'status'; status: number; url: string }
  /**
   * Network failures, timeouts and bodies cut short. `connection`: no answer came at all (refused, unresolvable,
   * TLS or proxy failure, silence before any response) — the server, not the file, is the problem.
   */
  | { kind: 'error'; message: string; url: string; connection?: boolean };

const MAX_REDIRECTS = 5;
/** Start of the message for a request stopped by its deadline (callers do not retry those). */
export const DEADLINE_TEXT = 'not finished in time';

/** The proxy URL for `target` from HTTPS_PROXY/HTTP_PROXY (either case), unless NO_PROXY excludes it. */
export function proxyFor(target: URL, env: Record<string, string | undefined>): URL | undefined {
  const get = (k: string) => env[k] ?? env[k.toLowerCase()];
  const noProxy = get('NO_PROXY');
  if (noProxy) {
    const host = target.hostname.toLowerCase();
    for (const raw of noProxy.split(',')) {
      const p = raw.trim().toLowerCase().replace(/^\*?\./, '');
      if (p === '*' || (p && (host === p || host.endsWith(`.${p}`)))) return undefined;
    }
  }
  const v = target.protocol === 'https:' ? (get('HTTPS_PROXY') ?? get('HTTP_PROXY')) : get('HTTP_PROXY');
  if (!v) return undefined;
  try {
    return new URL(/^[a-z]+:\/\//i.test(v) ? v : `http://${v}`);
  } catch {
    return undefined;
  }
}

function proxyAuth(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const cred = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(cred).toString('base64')}` };
}

/** Opens a TLS socket to `target` through an HTTP proxy's CONNECT method. */
function tunnel(proxy: URL, target: URL, timeoutMs: number, ca?: string | Buffer): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const port = target.port || '443';
    const req = http.request({ host: proxy.hostname, port: proxy.port || 80, method: 'CONNECT', path: `${target.hostname}:${port}`, headers: { host: `${target.hostname}:${port}`, ...proxyAuth(proxy) }, timeout: timeoutMs });
    req.on('connect', (res, socket: net.Socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`proxy refused the tunnel (${res.statusCode})`));
        return;
      }
      resolve(tls.connect({ socket, servername: target.hostname, ...(ca ? { ca } : {}) }));
    });
    req.on('timeout', () => req.destroy(new Error('proxy connect timed out')));
    req.on('error', reject);
    req.end();
  });
}

interface Once {
  status: number;
  location?: string;
  body?: Uint8Array;
  size?: number;
  error?: string;
  connection?: boolean;
}

async function once(url: URL, o: HttpOptions): Promise<Once> {
  const proxy = proxyFor(url, o.env);
  const headers: Record<string, string> = { 'user-agent': o.userAgent, accept: '*/*' };
  let request: http.ClientRequest;
  if (proxy && url.protocol === 'https:') {
    let socket: tls.TLSSocket;
    try {
      socket = await tunnel(proxy, url, o.timeoutMs, o.ca);
    } catch (e) {
      return { status: 0, error: (e as Error).message, connection: true };
    }
    request = https.request(url, { headers, createConnection: () => socket, timeout: o.timeoutMs });
  } else if (proxy) {
    request = http.request({ host: proxy.hostname, port: proxy.port || 80, path: url.href, headers: { ...headers, host: url.host, ...proxyAuth(proxy) }, timeout: o.timeoutMs });
  } else {
    request = url.protocol === 'https:' ? https.request(url, { headers, timeout: o.timeoutMs, ...(o.ca ? { ca: o.ca } : {}) }) : http.request(url, { headers, timeout: o.timeoutMs });
  }
  return new Promise((resolve) => {
    let settled = false;
    let answered = false;
    let sink: WriteStream | undefined;
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const done = (v: Once) => {
      if (settled) return;
      settled = true;
      if (deadline) clearTimeout(deadline);
      // A failed body's file is closed before the caller sees the failure (and removes the file).
      if (v.error && sink && !sink.closed) {
        sink.once('close', () => resolve(v));
        sink.destroy();
      } else resolve(v);
    };
    // The idle timeout alone lets a server that trickles a byte now and then hold a download forever.
    if (o.deadlineAt !== undefined) {
      deadline = setTimeout(() => {
        request.destroy();
        // Silence until the deadline is a server that never answered (as the idle timeout says when it comes first).
        done({ status: 0, error: `${DEADLINE_TEXT} (${o.deadlineMs ?? '?'} ms for the file)`, connection: !answered });
      }, Math.max(0, o.deadlineAt - Date.now()));
    }
    request.on('timeout', () => {
      request.destroy();
      done({ status: 0, error: `no data for ${o.timeoutMs} ms`, connection: !answered });
    });
    request.on('error', (e) => done({ status: 0, error: e.message, connection: !answered }));
    request.on('response', (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        done({ status, location: res.headers.location });
        return;
      }
      if (status !== 200) {
        res.resume();
        done({ status });
        return;
      }
      const declared = res.headers['content-length'] ? Number(res.headers['content-length']) : undefined;
      if (declared !== undefined && declared > o.maxBytes) {
        res.destroy();
        done({ status: 0, error: `file of ${declared} bytes is larger than the ${o.maxBytes}-byte limit` });
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      if (o.file) {
        sink = createWriteStream(o.file);
        sink.on('error', (e) => {
          res.destroy();
          done({ status: 0, error: `could not write ${o.file} (${e.message})` });
        });
        // Backpressure: a slow disk pauses the socket rather than filling memory.
        sink.on('drain', () => res.resume());
      }
      res.on('data', (c: Buffer) => {
        received += c.length;
        if (received > o.maxBytes) {
          res.destroy();
          done({ status: 0, error: `download exceeded the ${o.maxBytes}-byte limit` });
          return;
        }
        if (sink) {
          if (!sink.write(c)) res.pause();
        } else chunks.push(c);
        o.onProgress?.(received, declared);
      });
      res.on('error', (e) => done({ status: 0, error: `download cut off after ${received} bytes (${e.message})` }));
      res.on('aborted', () => done({ status: 0, error: `download cut off after ${received} bytes` }));
      res.on('end', () => {
        if (declared !== undefined && received !== declared) done({ status: 0, error: `download cut off: ${received} of ${declared} bytes` });
        else if (sink) sink.end(() => done({ status, size: received }));
        else done({ status, body: new Uint8Array(Buffer.concat(chunks)), size: received });
      });
    });
    request.end();
  });
}

export async function httpGet(url: string, o: HttpOptions): Promise<HttpResult> {
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    return { kind: 'error', message: `invalid URL ${url}`, url };
  }
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') return { kind: 'error', message: `unsupported protocol ${current.protocol}`, url: current.href };
    if (o.deadlineAt !== undefined && Date.now() >= o.deadlineAt) return { kind: 'error', message: `${DEADLINE_TEXT} (${o.deadlineMs ?? '?'} ms for the file)`, url: current.href };
    let r: Awaited<ReturnType<typeof once>>;
    try {
      r = await once(current, o);
    } catch (e) {
      return { kind: 'error', message: (e as Error).message, url: current.href, connection: true };
    }
    if (r.error) return { kind: 'error', message: r.error, url: current.href, ...(r.connection ? { connection: true } : {}) };
    if (r.location) {
      // The Location header comes from the server: a malformed one is that server's failure, not ours.
      try {
        current = new URL(r.location, current);
      } catch {
        return { kind: 'error', message: `redirect to an invalid URL (${JSON.stringify(r.location.slice(0, 200))})`, url: current.href };
      }
      continue;
    }
    if (r.size !== undefined) return { kind: 'ok', body: r.body, size: r.size, url: current.href };
    return { kind: 'status', status: r.status, url: current.href };
  }
  return { kind: 'error', message: `more than ${MAX_REDIRECTS} redirects`, url };
}
