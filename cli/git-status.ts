import { execFile } from 'node:child_process';

/** Uncommitted workspace files (caxton.toml, agents/, tools/), from `git status --porcelain`. */
export function uncommittedFiles(root: string): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', 'caxton.toml', 'agents', 'tools'], { cwd: root }, (err, stdout) => {
      if (err) return resolve([]);
      const tokens = stdout.split('\0').filter(Boolean);
      const files: string[] = [];
      for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i]!;
        files.push(t.slice(3));
        if (t[0] === 'R' || t[0] === 'C') i++; // a rename's second token is its old path
      }
      resolve([...new Set(files)].sort());
    });
  });
}
