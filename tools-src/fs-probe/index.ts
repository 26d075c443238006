// Test fixture: reads a file through WASI (preview 1) from the first preopened directory (fd 3).
// Without allowed_paths the sandbox preopens nothing, so every open fails (deny by default).
import { JValue } from '../_lib/json';
import { fail, inputJson, outputJson } from '../_lib/io';

@external('wasi_snapshot_preview1', 'path_open')
declare function path_open(fd: u32, dirflags: u32, path: usize, pathLen: usize, oflags: u32, rightsBase: u64, rightsInheriting: u64, fdflags: u32, outFd: usize): u32;

@external('wasi_snapshot_preview1', 'fd_read')
declare function fd_read(fd: u32, iovs: usize, iovsLen: usize, outRead: usize): u32;

@external('wasi_snapshot_preview1', 'fd_close')
declare function fd_close(fd: u32): u32;

/** {"path"} relative to the first preopened directory → {"content"}; fails with the WASI errno. */
export function read_file(): i32 {
  const path = inputJson().getString('path', '');
  const bytes = String.UTF8.encode(path);
  const fdOut = new ArrayBuffer(4);
  // fd_read (2) | fd_seek (4) | fd_tell (32) | fd_fdstat_get(8)
  const rights: u64 = 2 | 4 | 8 | 32;
  const err = path_open(3, 1, changetype<usize>(bytes), <usize>bytes.byteLength, 0, rights, 0, 0, changetype<usize>(fdOut));
  if (err != 0) return fail('cannot open ' + path + ': errno ' + err.toString());
  const fd = load<u32>(changetype<usize>(fdOut));
  const chunk = new ArrayBuffer(65536);
  const iov = new ArrayBuffer(8);
  store<u32>(changetype<usize>(iov), changetype<usize>(chunk));
  store<u32>(changetype<usize>(iov), 65536, 4);
  const nread = new ArrayBuffer(4);
  let content = '';
  while (true) {
    const e = fd_read(fd, changetype<usize>(iov), 1, changetype<usize>(nread));
    if (e != 0) {
      fd_close(fd);
      return fail('cannot read ' + path + ': errno ' + e.toString());
    }
    const n = load<u32>(changetype<usize>(nread));
    if (n == 0) break;
    content += String.UTF8.decode(chunk.slice(0, <i32>n));
  }
  fd_close(fd);
  const out = JValue.object();
  out.setStr('content', content);
  return outputJson(out);
}
