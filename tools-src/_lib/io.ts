// Input, output and failure for the plugins, on top of @extism/as-pdk. Input and output are UTF-8
// JSON; `fail` reports an error the host shows as the tool's failure (the call then returns 1).
import { Host, Memory } from '@extism/as-pdk';
import { JValue, parse, stringify } from './json';

@external('extism:host/env', 'error_set')
declare function error_set(offset: u64): void;

@external('extism:host/env', 'log_error')
declare function log_error(offset: u64): void;

/**
 * AssemblyScript's abort (a failed assertion, `throw`, an allocation too large): the message goes to
 * the host's error log with a marker the sandbox recognises, then the call traps and fails with it.
 * Wired in by the compiler flag `--use abort=<this file's path without .ts>/pluginAbort`.
 */
export function pluginAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let text = 'caxton:error:' + (message === null ? 'abort' : message);
  if (fileName !== null) text += ' (' + fileName + ':' + line.toString() + ':' + column.toString() + ')';
  log_error(Memory.allocateString(text).offset);
  unreachable();
}

/** The input as text (UTF-8). */
export function inputText(): string {
  return String.UTF8.decode(Host.input().buffer);
}

/** The input parsed as JSON. */
export function inputJson(): JValue {
  return parse(inputText());
}

/** Writes text (UTF-8) as the output. */
export function outputText(text: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(text)));
}

/** Writes a JSON value as the output. */
export function outputJson(v: JValue): i32 {
  outputText(stringify(v));
  return 0;
}

/** Reports an error as the call's failure; return its result from the export. */
export function fail(message: string): i32 {
  error_set(Memory.allocateString(message).offset);
  return 1;
}
