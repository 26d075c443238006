import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TomlPositions } from '../../../server/workspace/toml-position.js';

const toml = (...lines: string[]) => lines.join('\n');
const at = (line: number, column: number) => ({ line, column });

// ---

const locate = suite('TomlPositions.locate');

locate('locates a top-level key and its value', () => {
  const p = new TomlPositions(toml('# header comment', '', 'name = "a"', 'description =   "b"'));
  assert.equal(p.locate(['name'], 'key'), at(3, 1));
  assert.equal(p.locate(['name'], 'value'), at(3, 8));
  assert.equal(p.locate(['description'], 'key'), at(4, 1));
  assert.equal(p.locate(['description']), at(4, 17), 'value is the default');
});

locate('locates a key :: indented, with tabs around "="', () => {
  const p = new TomlPositions(toml('[limits]', '  timeout_ms\t=\t5'));
  assert.equal(p.locate(['limits', 'timeout_ms'], 'key'), at(2, 3));
  assert.equal(p.locate(['limits', 'timeout_ms']), at(2, 16));
});

locate('locates keys of a [table] under the table name', () => {
  const p = new TomlPositions(toml('name = "a"', '', '[limits]', 'timeout_ms = 5', 'memory_mb = 16'));
  assert.equal(p.locate(['limits'], 'key'), at(3, 1));
  assert.equal(p.locate(['limits', 'timeout_ms'], 'key'), at(4, 1));
  assert.equal(p.locate(['limits', 'memory_mb']), at(5, 13));
});

locate('keys after a [table] belong to it, not to the top level', () => {
  const p = new TomlPositions(toml('[limits]', 'name = "x"'));
  assert.equal(p.locate(['limits', 'name'], 'key'), at(2, 1));
  assert.not.ok(p.has(['name']));
});

locate('locates each [[array-of-tables]] entry by index', () => {
  const p = new TomlPositions(toml(
    'name = "t"',
    '[[functions]]',
    'name = "first"',
    '',
    '[[functions]]',
    'description = "second"',
    'name = "second"',
  ));
  assert.equal(p.locate(['functions', 0], 'key'), at(2, 1));
  assert.equal(p.locate(['functions', 1], 'key'), at(5, 1));
  assert.equal(p.locate(['functions', 0, 'name'], 'key'), at(3, 1));
  assert.equal(p.locate(['functions', 1, 'name'], 'key'), at(7, 1));
  assert.equal(p.locate(['functions', 1, 'name']), at(7, 8));
  assert.equal(p.locate(['name']), at(1, 8), 'the top-level name is not shadowed');
});

locate('locates sub-tables of an array-of-tables entry :: as smol-toml stringify writes them', () => {
  const p = new TomlPositions(toml(
    '[[functions]]',
    'name = "a"',
    '[functions.input_schema]',
    'type = "object"',
    '[[functions]]',
    'name = "b"',
    '[functions.input_schema]',
    'type = 1',
  ));
  assert.equal(p.locate(['functions', 0, 'input_schema'], 'key'), at(3, 1));
  assert.equal(p.locate(['functions', 0, 'input_schema', 'type'], 'key'), at(4, 1));
  assert.equal(p.locate(['functions', 1, 'input_schema', 'type']), at(8, 8));
});

locate('locates nested arrays of tables :: counted per parent entry', () => {
  const p = new TomlPositions(toml(
    '[[functions]]',
    'name = "a"',
    '[[functions.examples]]',
    'input = 1',
    '[[functions]]',
    'name = "b"',
    '[[functions.examples]]',
    'input = 2',
  ));
  assert.equal(p.locate(['functions', 0, 'examples', 0, 'input'], 'key'), at(4, 1));
  assert.equal(p.locate(['functions', 1, 'examples', 0, 'input'], 'key'), at(8, 1));
});

locate('locates inline array elements at the element', () => {
  const p = new TomlPositions(toml('tools = ["a", "bb",   "c"]'));
  assert.equal(p.locate(['tools']), at(1, 9));
  assert.equal(p.locate(['tools', 0]), at(1, 10));
  assert.equal(p.locate(['tools', 1]), at(1, 15));
  assert.equal(p.locate(['tools', 2]), at(1, 23));
  assert.equal(p.locate(['tools', 1], 'key'), at(1, 15), 'an element has no key: key and value coincide');
});

locate('locates inline array elements :: spread over lines, with comments', () => {
  const p = new TomlPositions(toml(
    'capabilities = [',
    '  "one",   # first',
    '  "two",',
    '    "three", ',
    ']',
    'after = 1',
  ));
  assert.equal(p.locate(['capabilities', 0]), at(2, 3));
  assert.equal(p.locate(['capabilities', 1]), at(3, 3));
  assert.equal(p.locate(['capabilities', 2]), at(4, 5));
  assert.equal(p.locate(['after'], 'key'), at(6, 1), 'scanning resumes after the closing bracket');
});

locate('locates inline array elements :: commas, brackets and "#" inside strings', () => {
  const p = new TomlPositions(toml('tags = ["a, b", "[#]", "q\\"uote", "d"]'));
  assert.equal(p.locate(['tags', 1]), at(1, 17));
  assert.equal(p.locate(['tags', 2]), at(1, 24));
  assert.equal(p.locate(['tags', 3]), at(1, 35));
});

locate('locates inline array elements :: nested arrays count as one element', () => {
  const p = new TomlPositions(toml('m = [[1, 2], [3]]'));
  assert.equal(p.locate(['m', 0]), at(1, 6));
  assert.equal(p.locate(['m', 1]), at(1, 14));
  assert.not.ok(p.has(['m', 2]));
});

locate('locates inline table keys', () => {
  const p = new TomlPositions(toml('[[functions]]', 'name = "f"', 'input_schema = { type = "object", "x-y" = 1, a.b = 2 }'));
  assert.equal(p.locate(['functions', 0, 'input_schema']), at(3, 16));
  assert.equal(p.locate(['functions', 0, 'input_schema', 'type'], 'key'), at(3, 18));
  assert.equal(p.locate(['functions', 0, 'input_schema', 'x-y'], 'key'), at(3, 35));
  assert.equal(p.locate(['functions', 0, 'input_schema', 'a', 'b'], 'key'), at(3, 46));
});

locate('locates dotted keys', () => {
  const p = new TomlPositions(toml('name = "a"', 'llm.model = "m"', 'llm . provider = "openai"'));
  assert.equal(p.locate(['llm', 'model'], 'key'), at(2, 1));
  assert.equal(p.locate(['llm', 'model']), at(2, 13));
  assert.equal(p.locate(['llm', 'provider']), at(3, 18));
});

locate('locates the table a dotted key opens, at its first key', () => {
  // zod reports a missing llm.model at ["llm"]: it must land on the llm line, not on 1:1.
  const p = new TomlPositions(toml('name = "a"', 'llm.provider = "openai"'));
  assert.equal(p.locate(['llm'], 'key'), at(2, 1));
  assert.equal(p.locate(['llm', 'model'], 'key'), at(2, 1));
});

locate('locates the tables a dotted header opens', () => {
  const p = new TomlPositions(toml('name = "a"', '[server.http]', 'port = 8'));
  assert.equal(p.locate(['server'], 'key'), at(2, 1));
  assert.equal(p.locate(['server', 'http', 'port'], 'key'), at(3, 1));
});

locate('locates quoted keys, in keys and in table headers', () => {
  const p = new TomlPositions(toml('"quoted key" = 1', "'lit.eral' = 2", '[ "a b" . c ]', 'd = 3'));
  assert.equal(p.locate(['quoted key']), at(1, 16));
  assert.equal(p.locate(['lit.eral']), at(2, 14), 'a dot inside quotes is part of the key');
  assert.equal(p.locate(['a b', 'c', 'd'], 'key'), at(4, 1));
});

locate('ignores "=" inside a quoted key', () => {
  const p = new TomlPositions(toml('"a=b" = 1'));
  assert.equal(p.locate(['a=b']), at(1, 9));
});

locate('skips multi-line strings :: a "[Note]" line inside is not a table header', () => {
  const p = new TomlPositions(toml(
    'name = "a"',
    'system_prompt = """',
    '[IMPORTANT] be brief',
    'tools = not a key',
    '"""',
    'tools = ["x"]',
    "reply = '''",
    '[[functions]]',
    "'''",
    'capabilities = ["c"]',
  ));
  assert.equal(p.locate(['system_prompt']), at(2, 17));
  assert.equal(p.locate(['tools', 0]), at(6, 10));
  assert.equal(p.locate(['capabilities', 0]), at(10, 17));
  assert.not.ok(p.has(['IMPORTANT']));
  assert.not.ok(p.has(['functions']));
});

locate('skips multi-line strings :: opened and closed on one line', () => {
  const p = new TomlPositions(toml('a = """one line"""', 'b = 1', "c = ''''''", 'd = 2'));
  assert.equal(p.locate(['b'], 'key'), at(2, 1));
  assert.equal(p.locate(['d'], 'key'), at(4, 1));
});

locate('falls back to the parent for an unknown path', () => {
  const p = new TomlPositions(toml('name = "a"', '[limits]', 'timeout_ms = 5', '[[functions]]', 'name = "f"'));
  assert.equal(p.locate(['limits', 'memory_mb'], 'key'), at(2, 1), 'missing key in a table: the table header');
  assert.equal(p.locate(['functions', 0, 'description'], 'key'), at(4, 1), 'missing key in an entry: its [[header]]');
  assert.equal(p.locate(['functions', 0, 'input_schema', 'type']), at(4, 1), 'two levels up');
});

locate('falls back to the array for an element past its end', () => {
  const p = new TomlPositions(toml('x = 1', 'tools = ["a"]'));
  assert.equal(p.locate(['tools', 3]), at(2, 9));
  assert.equal(p.locate(['tools', 3], 'key'), at(2, 1));
});

locate('falls back to 1:1 when nothing on the path is known', () => {
  const p = new TomlPositions(toml('', 'name = "a"'));
  assert.equal(p.locate(['nope']), at(1, 1));
  assert.equal(p.locate([]), at(1, 1));
  assert.equal(new TomlPositions('').locate(['name']), at(1, 1));
});

locate('keeps the first position of a key written twice', () => {
  const p = new TomlPositions(toml('name = "a"', 'name = "b"'));
  assert.equal(p.locate(['name'], 'key'), at(1, 1));
});

locate('handles CRLF line endings', () => {
  const p = new TomlPositions('name = "a"\r\ntools = ["x", "y"]\r\n');
  assert.equal(p.locate(['tools', 1]), at(2, 15));
});

locate.run();

// ---

const has = suite('TomlPositions.has');

has('answers for exact paths only', () => {
  const p = new TomlPositions(toml('tools = ["a"]', '[limits]', 'timeout_ms = 1'));
  assert.ok(p.has(['tools']));
  assert.ok(p.has(['tools', 0]));
  assert.ok(p.has(['limits', 'timeout_ms']));
  assert.not.ok(p.has(['tools', 1]));
  assert.not.ok(p.has(['limits', 'memory_mb']));
});

has.run();
