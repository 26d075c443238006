// How the user runs Caxton, for the commands the CLI suggests: `caxton` when it is on the PATH (an
// install with -g, or a package's bin), else `npx caxton` (inside this repository, or a project
// that depends on it), so a "Next:" line can be pasted as it is. Under `npx caxton` (or an npm
// script) npm has put the project's node_modules/.bin on the PATH, which the user's shell lacks:
// those folders do not count.
import fs from 'node:fs';
import path from 'node:path';

const NPM_BIN = /[\\/]node_modules[\\/]\.bin[\\/]?$/;

export function invocation(env: NodeJS.ProcessEnv = process.env): string {
  const names = process.platform === 'win32' ? ['caxton.cmd', 'caxton.exe', 'caxton'] : ['caxton'];
  const viaNpm = env.npm_command !== undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir || (viaNpm && NPM_BIN.test(dir))) continue;
    if (names.some((n) => fs.existsSync(path.join(dir, n)))) return 'caxton';
  }
  return 'npx caxton';
}
