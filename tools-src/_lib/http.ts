// HTTP through Extism's host function. The host decides: Caxton denies every host the tool's
// allowed_hosts does not list, and the call then fails with CAX_TOOL_ACCESS_DENIED.
import { Memory } from '@extism/as-pdk';
import { quote } from './json';

@external('extism:host/env', 'http_request')
declare function http_request(req: u64, body: u64): u64;

@external('extism:host/env', 'http_status_code')
declare function http_status_code(): i32;

@external('extism:host/env', 'length')
declare function length(offset: u64): u64;

export class HttpResponse {
  constructor(
    public status: i32,
    public body: string,
  ) {}
}

export function httpGet(url: string): HttpResponse {
  const req = Memory.allocateString('{"method":"GET","url":' + quote(url) + ',"headers":{}}');
  const offset = http_request(req.offset, 0);
  const status = http_status_code();
  if (offset == 0) return new HttpResponse(status, '');
  const mem = new Memory(offset, length(offset));
  return new HttpResponse(status, String.UTF8.decode(mem.toUint8Array().buffer));
}
