// How the user runs Caxton, for the commands the CLI suggests: `caxton` when it is on the PATH (an
// install with -g, or a package's bin), else `npx caxton` (inside this repository, or a project
// that depends on it), so a "Next:" line can be pasted as it is.
import fs from 'node:fs';
import path from 'node:path';

export function invocation(env: NodeJS.ProcessEnv = process.env): string {
  const names = process.platform === 'win32' ? ['caxton.cmd', 'caxton.exe', 'caxton'] : ['caxton'];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && names.some((n) => fs.existsSync(path.join(dir, n)))) return 'caxton';
  }
  return 'npx caxton';
}
