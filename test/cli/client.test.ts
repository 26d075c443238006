// ApiClient against a real loopback server: a server published under a path keeps it, an answer
// that is not Caxton's API (a proxy's error page) says so, and a URL with credentials is refused.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '../../cli/client.js';
import { rejection } from '../util/promises.js';

const Client = suite('ApiClient');
let server: http.Server;
let base: string;
const seen: string[] = [];
Client.before(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    if (req.url === '/caxton/api/v1/status') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (req.url === '/gateway/api/v1/status') return void res.writeHead(502, { 'content-type': 'text/html' }).end('<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>');
    res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
Client.after(() => new Promise<void>((r) => server.close(() => r())));

Client('a server published under a path: requests keep the path, with or without a trailing slash', async () => {
  for (const url of [`${base}/caxton`, `${base}/caxton/`]) assert.equal(await new ApiClient(url, 't').get('/api/v1/status'), { ok: true });
  assert.equal(seen.slice(-2), ['/caxton/api/v1/status', '/caxton/api/v1/status']);
});

Client('an answer that is not Caxton\'s (a proxy\'s HTML error page) is CAX_UNEXPECTED_RESPONSE with its status and text, not a bug in Caxton', async () => {
  const e = await rejection(new ApiClient(`${base}/gateway`, 't').get('/api/v1/status'));
  assert.is(e.code, 'CAX_UNEXPECTED_RESPONSE');
  assert.is(e.message, `${base}/gateway answered HTTP 502 (text/html), which is not Caxton's API: 502 Bad Gateway 502 Bad Gateway nginx`);
  assert.match(e.suggestions[0]!, /A proxy in front of Caxton could not reach it/);
  assert.is(e.details.httpStatus, 502);
  const other = await rejection(new ApiClient(`${base}/elsewhere`, 't').get('/api/v1/status'));
  assert.is(other.code, 'CAX_UNEXPECTED_RESPONSE');
  assert.match(other.suggestions[0]!, /Check the server URL/);
});

Client('a URL with a user name or password is refused before any request, saying where the token goes', async () => {
  const before = seen.length;
  const e = await rejection(new ApiClient(`http://user:secret@127.0.0.1:${new URL(base).port}`, 't').get('/api/v1/status'));
  assert.is(e.code, 'CAX_USAGE');
  assert.match(e.message, /user name or password/);
  assert.not.ok(e.message.includes('secret'));
  assert.is(seen.length, before);
});

Client.run();
