// Issue 6: the first ten minutes. `caxton quickstart` from a warm install to the printed answer
// (< 10 s) and `caxton init` (< 1 s), spawned as a user runs them. Baselines in the same run:
// Node start-up (`node -e ""`) and `git init` + one commit of the same files, which init must do.
import fs from 'node:fs';
import path from 'node:path';
import { CLI, RUNS, cliEnv, interleave, log, renderTable, result, rmrf, run, scratch, type BenchResult } from './harness.js';

const QUICKSTART_MS = 10_000;
const INIT_MS = 1000;

export async function firstRunBench(): Promise<BenchResult[]> {
  const work = scratch('first-run-');
  const env = cliEnv();
  let n = 0;
  try {
    const gitEnv = { ...env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
    const s = await interleave({
      runs: Math.max(5, Math.ceil(RUNS / 3)),
      warmup: 1,
      fns: {
        node: () => run(process.execPath, ['-e', ''], { env }),
        git: async () => {
          const dir = path.join(work, `git-${n++}`);
          fs.mkdirSync(dir);
          fs.writeFileSync(path.join(dir, 'agent.toml'), 'name = "a"\n');
          await run('git', ['init', '-q', '-b', 'main'], { cwd: dir, env: gitEnv });
          await run('git', ['add', '-A'], { cwd: dir, env: gitEnv });
          await run('git', ['commit', '-q', '--no-gpg-sign', '-m', 'x'], { cwd: dir, env: gitEnv });
        },
        init: () => run(process.execPath, [CLI, 'init', path.join(work, `init-${n++}`), '--yes'], { cwd: work, env }),
        quickstart: () => run(process.execPath, [CLI, 'quickstart', path.join(work, `qs-${n++}`), '--json'], { cwd: work, env }),
      },
    });
    const results = [
      result({ name: 'caxton quickstart to printed answer', ours: s.quickstart, baseline: { name: 'node -e ""', samples: s.node }, target: `< ${QUICKSTART_MS} ms`, check: (ms) => ms < QUICKSTART_MS }),
      result({ name: 'caxton init (template, git init, commit)', ours: s.init, baseline: { name: 'git init+add+commit', samples: s.git }, target: `< ${INIT_MS} ms`, check: (ms) => ms < INIT_MS }),
    ];
    log(renderTable(results));
    return results;
  } finally {
    rmrf(work);
  }
}
