import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyFixes } from '../../../server/workspace/fix.js';
import { parseAgentSource } from '../../../server/workspace/parse.js';

const file = 'agents/a/agent.toml';
const issuesOf = (source: string) => parseAgentSource('a', { path: file, source }).issues;

// ---

const Apply = suite('applyFixes');

Apply('renames a misspelt key and replaces a near-miss enum value at their positions', () => {
  const src = 'name = "a"\ndescription = "d"\ncapabilites = ["a"]\nruntime = "offlne"\n';
  const { sources, applied } = applyFixes(issuesOf(src), new Map([[file, src]]));
  assert.is(sources.get(file), 'name = "a"\ndescription = "d"\ncapabilities = ["a"]\nruntime = "offline"\n');
  assert.equal(applied.map((a) => a.line), [3, 4]);
  assert.equal(issuesOf(sources.get(file)!), [], 'the fixed file is valid');
});

Apply('leaves a misspelt key alone when the intended key exists already', () => {
  const src = 'name = "a"\ndescription = "d"\ncapabilities = ["a"]\ncapabilites = ["b"]\n';
  const issues = issuesOf(src);
  assert.ok(issues.some((i) => i.code === 'unknown-key'));
  assert.not.ok(issues.some((i) => i.fix), 'renaming would duplicate the key');
  const { sources, applied } = applyFixes(issues, new Map([[file, src]]));
  assert.is(sources.get(file), src);
  assert.is(applied.length, 0);
});

Apply('quotes a number or boolean written where text belongs; an array element is left to the user', () => {
  const src = 'name = "a"\ndescription = true\ncapabilities = ["a", 7]\nversion = 3\n';
  const issues = issuesOf(src);
  assert.equal(issues.map((i) => i.suggestion), ['write description = "true"', 'write it as a string, e.g. "text"', 'write version = "3"']);
  const { sources, applied } = applyFixes(issues, new Map([[file, src]]));
  assert.is(sources.get(file), 'name = "a"\ndescription = "true"\ncapabilities = ["a", 7]\nversion = "3"\n');
  assert.equal(applied.map((a) => a.line), [2, 4]);
});

Apply('unquotes a number or boolean written as text; text that is not one keeps the general advice', () => {
  const src = 'name = "a"\ndescription = "d"\ncapabilities = ["a"]\n[llm]\nprovider = "openai"\nmodel = "m"\ntemperature = "0.5"\nmax_tokens = " 100 "\ntimeout_ms = "5s"\n';
  const issues = issuesOf(src).filter((i) => i.code === 'wrong-type');
  assert.equal(issues.map((i) => i.suggestion), ['write temperature = 0.5, without quotes', 'write max_tokens = 100, without quotes', 'write it as a number, e.g. timeout_ms = 1000']);
  const { sources, applied } = applyFixes(issues, new Map([[file, src]]));
  assert.is(sources.get(file), 'name = "a"\ndescription = "d"\ncapabilities = ["a"]\n[llm]\nprovider = "openai"\nmodel = "m"\ntemperature = 0.5\nmax_tokens = 100\ntimeout_ms = "5s"\n');
  assert.equal(applied.map((a) => a.line), [7, 8]);
});

Apply('a quoted fix needs the whole token at its position: 3 is not the start of 3.5', () => {
  const issues = issuesOf('name = "a"\ndescription = "d"\ncapabilities = ["a"]\nversion = 3\n');
  const moved = 'name = "a"\ndescription = "d"\ncapabilities = ["a"]\nversion = 3.5\n';
  assert.is(applyFixes(issues, new Map([[file, moved]])).applied.length, 0);
});

Apply('fixes nothing without a near match', () => {
  const src = 'name = "a"\ndescription = "d"\ncapabilities = ["a"]\nzzz = 1\n';
  assert.is(applyFixes(issuesOf(src), new Map([[file, src]])).applied.length, 0);
});

Apply('does not touch text that moved away from the reported position', () => {
  const src = 'name = "a"\ndescription = "d"\ncapabilites = ["a"]\n';
  const issues = issuesOf(src);
  const shifted = `# a new comment line\n${src}`;
  const { sources, applied } = applyFixes(issues, new Map([[file, shifted]]));
  assert.is(applied.length, 0);
  assert.is(sources.get(file), shifted);
});

Apply.run();
