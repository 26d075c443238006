// {{name}}: a Caxton tool, an Extism plugin written in AssemblyScript.
// Each exported function is a function agents may call (declare it in tool.toml's [[functions]]).
// It reads its input (the call's JSON) with inputJson(), answers with outputJson(value), or fails
// with fail(message); a `throw` fails the call with its message too. Build: npm run build.
import { JValue } from './json';
import { fail, inputJson, outputJson } from './io';

/** Input: {"text": "..."}. Output: {"reversed": "...", "characters": N}. */
export function run(): i32 {
  const input = inputJson();
  if (!input.isObj() || !input.has('text')) return fail('expected {"text": "..."}');
  const text = input.getString('text', '');
  let reversed = '';
  for (let i = text.length - 1; i >= 0; i--) reversed += text.charAt(i);
  const out = JValue.object();
  out.setStr('reversed', reversed);
  out.setNum('characters', <f64>text.length);
  return outputJson(out);
}
