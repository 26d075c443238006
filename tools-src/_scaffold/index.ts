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
  let characters = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    // a character past U+FFFF (an emoji) is two UTF-16 units, a surrogate pair: kept together
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const high = text.charCodeAt(i - 1);
      if (high >= 0xd800 && high <= 0xdbff) {
        reversed += text.substring(i - 1, i + 1);
        i--;
        characters++;
        continue;
      }
    }
    reversed += text.charAt(i);
    characters++;
  }
  const out = JValue.object();
  out.setStr('reversed', reversed);
  out.setNum('characters', <f64>characters);
  return outputJson(out);
}
