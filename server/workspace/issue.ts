/** One problem in a workspace file, located and with a fix. */
export interface Issue {
  file: string;
  line: number;
  column: number;
  code: IssueCode;
  message: string;
  suggestion: string;
  severity: 'error' | 'warning';
  /** The agent or tool the problem belongs to; absent for workspace-wide problems. */
  entity?: EntityRef;
  /** A fix that is safe and certain (`caxton validate --fix` applies it at line:column). */
  fix?: IssueFix;
}

export interface IssueFix {
  /** quote-value: a number or boolean written where text belongs (`version = 3` → `version = "3"`); unquote-value: the other way (`attempts = "3"` → `attempts = 3`) */
  kind: 'rename-key' | 'replace-value' | 'quote-value' | 'unquote-value';
  from: string;
  to: string;
}

export interface EntityRef {
  kind: 'agent' | 'tool';
  name: string;
}

export type IssueCode =
  | 'toml-syntax'
  | 'unknown-key'
  | 'missing-field'
  | 'wrong-type'
  | 'invalid-value'
  | 'invalid-name'
  | 'name-mismatch'
  | 'unknown-tool'
  | 'unknown-capability'
  | 'ask-cycle'
  | 'duplicate-name'
  | 'duplicate-entry'
  | 'missing-manifest'
  | 'missing-file'
  | 'invalid-plugin'
  | 'invalid-recording'
  | 'unexported-function'
  | 'invalid-schema'
  | 'unknown-placeholder'
  | 'stray-file'
  | 'held-back-dependency';

/** `path:line:column message`, the one-line form every surface prints. */
export function formatIssue(i: Issue): string {
  return `${i.file}:${i.line}:${i.column} ${i.message}`;
}

export function sortIssues(issues: Issue[]): Issue[] {
  return [...issues].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code),
  );
}
