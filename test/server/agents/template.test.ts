import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { asText, lookup, render, renderValue } from '../../../server/agents/template.js';

const SCOPE = {
  content: 'plan my week',
  message: { sender: 'client', performative: 'request' },
  steps: {
    search: { output: { items: [{ title: 'first' }, { title: 'second' }], total: 2 } },
    raw: { output: '{"score": 0.75, "tags": ["a", "b"]}' },
    text: { output: 'not json' },
  },
  n: 0,
  flag: false,
  nothing: null,
};

// ---

const Lookup = suite('lookup');

Lookup('follows dotted paths and array indexes', () => {
  assert.is(lookup(SCOPE, 'message.sender'), 'client');
  assert.is(lookup(SCOPE, 'steps.search.output.items[1].title'), 'second');
  assert.is(lookup(SCOPE, 'steps.search.output.items.0.title'), 'first');
});

Lookup('navigates into a JSON string, as a tool output', () => {
  assert.is(lookup(SCOPE, 'steps.raw.output.score'), 0.75);
  assert.is(lookup(SCOPE, 'steps.raw.output.tags[1]'), 'b');
});

Lookup('a path into text that is not JSON :: undefined', () => {
  assert.is(lookup(SCOPE, 'steps.text.output.score'), undefined);
});

Lookup('length of a string is its length, not a parse', () => {
  assert.is(lookup(SCOPE, 'content.length'), 12);
});

Lookup('missing :: undefined, through nulls too', () => {
  assert.is(lookup(SCOPE, 'steps.nope.output'), undefined);
  assert.is(lookup(SCOPE, 'nothing.deeper'), undefined);
});

Lookup.run();

// ---

const AsText = suite('asText');

AsText('values as text :: objects as JSON, nothing as empty', () => {
  assert.is(asText('x'), 'x');
  assert.is(asText(3), '3');
  assert.is(asText(false), 'false');
  assert.is(asText(10n), '10');
  assert.is(asText({ a: [1] }), '{"a":[1]}');
  assert.is(asText(null), '');
  assert.is(asText(undefined), '');
});

AsText.run();

// ---

const Render = suite('render');

Render('replaces placeholders with values as text', () => {
  assert.is(render('From {{message.sender}}: {{content}}', SCOPE), 'From client: plan my week');
});

Render('tolerates spaces inside the braces', () => {
  assert.is(render('{{ content }}|{{  message.performative}}', SCOPE), 'plan my week|request');
});

Render('objects as JSON, falsy values kept, missing as empty', () => {
  assert.is(render('{{steps.search.output.items[0]}}', SCOPE), '{"title":"first"}');
  assert.is(render('n={{n}} flag={{flag}} none={{nothing}} gone={{gone.x}}', SCOPE), 'n=0 flag=false none= gone=');
});

Render('JSON navigation into tool output', () => {
  assert.is(render('score {{steps.raw.output.score}}, {{steps.search.output.total}} results', SCOPE), 'score 0.75, 2 results');
});

Render('text without placeholders is unchanged, braces that are not placeholders too', () => {
  assert.is(render('plain {not} {{ }} {{1x}}', SCOPE), 'plain {not} {{ }} {{1x}}');
});

Render.run();

// ---

const RenderValue = suite('renderValue');

RenderValue('a single placeholder passes the raw value through', () => {
  assert.equal(renderValue('{{steps.search.output}}', SCOPE), SCOPE.steps.search.output);
  assert.is(renderValue('{{steps.search.output.total}}', SCOPE), 2);
  assert.is(renderValue(' {{ n }} ', SCOPE), ' 0 ', 'with text around it, it is text');
  assert.is(renderValue('{{gone}}', SCOPE), undefined);
});

RenderValue('renders arrays and tables recursively, other values as they are', () => {
  const out = renderValue({ query: '{{content}}', rows: '{{steps.search.output.items}}', meta: { by: 'from {{message.sender}}', limit: 5, on: true }, list: ['{{n}}', 'x'] }, SCOPE);
  assert.equal(out, { query: 'plan my week', rows: SCOPE.steps.search.output.items, meta: { by: 'from client', limit: 5, on: true }, list: [0, 'x'] });
  assert.is(renderValue(42, SCOPE), 42);
  assert.is(renderValue(null, SCOPE), null);
});

RenderValue.run();

