import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { editDistance, nearest } from '../../../server/util/nearest.js';

// ---

const distance = suite('editDistance');

distance('is 0 for equal strings', () => {
  assert.is(editDistance('', ''), 0);
  assert.is(editDistance('same', 'same'), 0);
});

distance('counts insertions, deletions and substitutions', () => {
  assert.is(editDistance('', 'abc'), 3);
  assert.is(editDistance('abc', ''), 3);
  assert.is(editDistance('capabilites', 'capabilities'), 1, 'one insertion');
  assert.is(editDistance('offlne', 'offline'), 1);
  assert.is(editDistance('cat', 'cut'), 1, 'one substitution');
  assert.is(editDistance('kitten', 'sitting'), 3);
  assert.is(editDistance('flaw', 'lawn'), 2);
});

distance('is symmetric', () => {
  for (const [a, b] of [['kitten', 'sitting'], ['abc', 'yabd'], ['', 'x']] as const) {
    assert.is(editDistance(a, b), editDistance(b, a), `${a}/${b}`);
  }
});

distance('is case-sensitive', () => {
  assert.is(editDistance('Name', 'name'), 1);
});

distance.run();

// ---

const near = suite('nearest');

near('finds the intended word for a typo', () => {
  assert.equal(nearest('capabilites', ['name', 'description', 'capabilities', 'tools']), ['capabilities']);
  assert.equal(nearest('offlne', ['offline', 'llm']), ['offline']);
});

near('finds nothing for a word far from every candidate', () => {
  assert.equal(nearest('zzzzzzzz', ['name', 'description', 'capabilities']), []);
  assert.equal(nearest('x', ['name', 'capabilities']), []);
});

near('allows more edits for longer words :: a third of the length, at least 2', () => {
  assert.equal(nearest('ab', ['xy']), ['xy'], 'two edits within the minimum of 2');
  assert.equal(nearest('abc', ['xyz']), [], 'three edits for three letters is too many');
  assert.equal(nearest('abcdefghi', ['abcxyzghi']), ['abcxyzghi'], 'three edits allowed for nine letters');
  assert.equal(nearest('abcdefghi', ['wxyzefghi']), [], 'four edits is too many');
});

near('matches a prefix of at least 3 characters', () => {
  assert.equal(nearest('chart', ['chart-generator', 'pdf']), ['chart-generator']);
  assert.equal(nearest('chart-generator-v2', ['chart-generator']), ['chart-generator'], 'the word extends a candidate');
  assert.equal(nearest('ch', ['chart-generator']), [], 'too short to count as a prefix');
});

near('ignores case when measuring distance', () => {
  assert.equal(nearest('Capabilities', ['capabilities']), ['capabilities']);
});

near('orders best first, then alphabetically, and stops at the limit', () => {
  assert.equal(nearest('abcd', ['abxd', 'abce', 'xbcd', 'abcf']), ['abce', 'abcf', 'abxd']);
  assert.equal(nearest('abcd', ['abxd', 'abce', 'xbcd', 'abcf'], 1), ['abce']);
  assert.equal(nearest('abcd', ['abxy', 'abxd']), ['abxd', 'abxy'], 'one edit before two');
});

near('ranks a prefix match like a single edit', () => {
  assert.equal(nearest('chart', ['chart-generator', 'charm']), ['charm', 'chart-generator']);
});

near('a word that runs on past a candidate ranks that candidate by its distance, after a nearer one', () => {
  // --fix takes the first: "openai" here set a different provider, with a key the endpoint never needed
  assert.equal(nearest('openai-compatibel', ['openai', 'ollama', 'openai-compatible', 'anthropic', 'replay']), ['openai-compatible', 'openai']);
  assert.equal(nearest('chart-generator-v2', ['chart-generator', 'chart-generator-v3']), ['chart-generator-v3', 'chart-generator']);
});

near('counts each candidate once', () => {
  assert.equal(nearest('tols', ['tools', 'tools', 'tools']), ['tools']);
});

near('accepts any iterable of candidates', () => {
  assert.equal(nearest('tols', new Set(['pools', 'tools'])), ['tools', 'pools']);
  assert.equal(nearest('tols', new Map([['tools', 1]]).keys()), ['tools']);
});

near.run();
