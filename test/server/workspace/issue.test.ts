import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatIssue, sortIssues, type Issue } from '../../../server/workspace/issue.js';

const issue = (o: Partial<Issue>): Issue => ({
  file: 'agents/a/agent.toml',
  line: 1,
  column: 1,
  code: 'unknown-key',
  message: 'unknown key "x"',
  suggestion: 'remove it',
  severity: 'error',
  ...o,
});

// ---

const format = suite('formatIssue');

format('prints path:line:column message', () => {
  assert.is(formatIssue(issue({ file: 'tools/t/tool.toml', line: 12, column: 7, message: 'boom' })), 'tools/t/tool.toml:12:7 boom');
});

format.run();

// ---

const sort = suite('sortIssues');

sort('orders by file, then line, then column, then code', () => {
  const input = [
    issue({ file: 'b.toml', line: 1, column: 1 }),
    issue({ file: 'a.toml', line: 2, column: 1 }),
    issue({ file: 'a.toml', line: 1, column: 9 }),
    issue({ file: 'a.toml', line: 1, column: 2, code: 'wrong-type' }),
    issue({ file: 'a.toml', line: 1, column: 2, code: 'invalid-name' }),
    issue({ file: 'a.toml', line: 10, column: 1 }),
  ];
  assert.equal(
    sortIssues(input).map((i) => `${i.file}:${i.line}:${i.column}:${i.code}`),
    ['a.toml:1:2:invalid-name', 'a.toml:1:2:wrong-type', 'a.toml:1:9:unknown-key', 'a.toml:2:1:unknown-key', 'a.toml:10:1:unknown-key', 'b.toml:1:1:unknown-key'],
  );
});

sort('returns a new array and leaves its input as it was', () => {
  const input = [issue({ line: 2 }), issue({ line: 1 })];
  const out = sortIssues(input);
  assert.is.not(out, input);
  assert.equal(input.map((i) => i.line), [2, 1]);
});

sort.run();
