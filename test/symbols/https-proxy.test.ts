// HTTPS through a CONNECT proxy (HTTPS_PROXY), with Node's own servers: a self-signed HTTPS symbol server
// (certificate made by the openssl command) behind a proxy that tunnels CONNECT requests, optionally
// demanding credentials. Also: an untrusted certificate is a connection-level failure.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { httpGet } from '../../src/node/http-get.js';

function opensslMissing(): false | string {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'the openssl command is not installed (it makes the test certificate)';
  }
}

const skip = opensslMissing();
const work = mkdtempSync(join(tmpdir(), 'dumpscope-https-'));
after(() => rmSync(work, { recursive: true, force: true }));
const BODY = Buffer.from('MSF-ish payload '.repeat(4096));
let cert = Buffer.alloc(0);
let server: https.Server | undefined;
let port = 0;

before(async () => {
  if (skip) return;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(work, 'key.pem'), '-out', join(work, 'cert.pem')], { stdio: 'ignore' });
  cert = readFileSync(join(work, 'cert.pem'));
  server = https.createServer({ key: readFileSync(join(work, 'key.pem')), cert }, (req, res) => {
    if (req.url === '/sym/a.pdb/KEY/a.pdb') res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
after(() => server?.close());

/** A CONNECT proxy: tunnels to the requested host:port (localhost maps to 127.0.0.1), recording each request. */
async function proxy(auth?: string): Promise<{ url: string; seen: { target: string; auth?: string }[]; close: () => void }> {
  const seen: { target: string; auth?: string }[] = [];
  const p = http.createServer((_req, res) => res.writeHead(405).end());
  p.on('connect', (req, client: net.Socket, head: Buffer) => {
    seen.push({ target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    if (auth && req.headers['proxy-authorization'] !== auth) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    const [host, portText] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(portText), host === 'localhost' ? '127.0.0.1' : host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => p.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(p.address() as net.AddressInfo).port}`, seen, close: () => p.close() };
}

const opts = (env: Record<string, string>, ca?: Buffer) => ({ timeoutMs: 5000, maxBytes: 1 << 24, env, userAgent: 'test', ...(ca ? { ca } : {}) });

test('HTTPS through a CONNECT proxy: the tunnel names the server, the body arrives whole', { skip }, async () => {
  const px = await proxy();
  try {
    const r = await httpGet(`https://localhost:${port}/sym/a.pdb/KEY/a.pdb`, opts({ HTTPS_PROXY: px.url }, cert));
    assert.equal(r.kind, 'ok', JSON.stringify(r));
    assert.ok(r.kind === 'ok' && r.body && Buffer.from(r.body).equals(BODY));
    assert.deepEqual(px.seen.map((s) => s.target), [`localhost:${port}`]);
    const missing = await httpGet(`https://localhost:${port}/sym/b.pdb/KEY/b.pdb`, opts({ HTTPS_PROXY: px.url }, cert));
    assert.deepEqual(missing.kind === 'status' && missing.status, 404);
  } finally {
    px.close();
  }
});

test('proxy credentials from the URL are sent; a refused tunnel (407) is a connection failure', { skip }, async () => {
  const want = `Basic ${Buffer.from('user:p@ss').toString('base64')}`;
  const px = await proxy(want);
  try {
    const ok = await httpGet(`https://localhost:${port}/sym/a.pdb/KEY/a.pdb`, opts({ HTTPS_PROXY: `http://user:p%40ss@${px.url.slice(7)}` }, cert));
    assert.equal(ok.kind, 'ok', JSON.stringify(ok));
    assert.equal(px.seen[0].auth, want);
    const refused = await httpGet(`https://localhost:${port}/sym/a.pdb/KEY/a.pdb`, opts({ HTTPS_PROXY: px.url }, cert));
    assert.ok(refused.kind === 'error' && /proxy refused the tunnel \(407\)/.test(refused.message) && refused.connection, JSON.stringify(refused));
  } finally {
    px.close();
  }
});

test('an untrusted certificate fails the connection (not retried as a per-file problem)', { skip }, async () => {
  const px = await proxy();
  try {
    for (const env of [{ HTTPS_PROXY: px.url }, {}] as Record<string, string>[]) {
      const r = await httpGet(`https://localhost:${port}/sym/a.pdb/KEY/a.pdb`, opts(env));
      assert.ok(r.kind === 'error' && r.connection === true && /self[- ]signed|certificate/i.test(r.message), JSON.stringify(r));
    }
  } finally {
    px.close();
  }
});
