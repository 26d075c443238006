import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hostAllowed } from '../../../server/tools/allowed-hosts.js';

const Hosts = suite('hostAllowed');

Hosts('denies everything by default', () => {
  assert.not.ok(hostAllowed('example.com', []));
});

Hosts('exact names, case and a trailing dot aside', () => {
  assert.ok(hostAllowed('API.Example.com.', ['api.example.com']));
  assert.not.ok(hostAllowed('api.example.com.evil.net', ['api.example.com']));
});

Hosts('*.domain matches subdomains, not the domain or look-alikes', () => {
  const p = ['*.example.com'];
  assert.ok(hostAllowed('a.example.com', p));
  assert.ok(hostAllowed('a.b.example.com', p));
  assert.not.ok(hostAllowed('example.com', p));
  assert.not.ok(hostAllowed('badexample.com', p));
});

Hosts('* matches any host; IPv6 brackets are ignored', () => {
  assert.ok(hostAllowed('anything.net', ['*']));
  assert.ok(hostAllowed('[::1]', ['::1']));
});

Hosts.run();
