// text-stats: counts over a text: characters, words, lines, sentences, paragraphs, unique words,
// average word length, reading time and the most frequent words.
import { JValue, round } from '../_lib/json';
import { fail, inputJson, outputJson } from '../_lib/io';
import { mostFrequent } from '../_lib/tally';

/** Letters, digits, and (inside a word) apostrophes; anything from Latin-1 letters up counts as a letter, bar punctuation. */
function isWordChar(c: i32): bool {
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return true;
  if (c == 39 || c == 0x2019) return true;
  if (c >= 0xc0 && c != 0xd7 && c != 0xf7 && !(c >= 0x2000 && c <= 0x206f) && !(c >= 0x3000 && c <= 0x303f)) return true;
  return false;
}

/** Input: a string, or {"text", "top"?: 10}. */
export function stats(): i32 {
  const input = inputJson();
  let text = '';
  let top = 10;
  if (input.isStr()) text = input.s;
  else if (input.isObj() && input.has('text')) {
    text = input.getString('text', '');
    top = <i32>input.getNumber('top', 10);
  } else return fail('expected a string, or {"text": "..."}');

  let characters = 0;
  let lines = text.length > 0 ? 1 : 0;
  let sentences = 0;
  let paragraphs = 0;
  let inParagraph = false;
  let blankRun = 0;
  const counts = new Map<string, i32>();
  let words = 0;
  let letters = 0;
  let start = -1;
  let sentenceOpen = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (i < text.length && !(c >= 0xdc00 && c <= 0xdfff)) characters++;
    if (i < text.length && c == 10) {
      if (i + 1 < text.length) lines++;
      blankRun++;
      if (blankRun >= 2) inParagraph = false;
    } else if (c != 32 && c != 9 && c != 13) {
      blankRun = 0;
      if (!inParagraph && i < text.length) {
        paragraphs++;
        inParagraph = true;
      }
    }
    if (isWordChar(c) && i < text.length) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) {
      let word = text.substring(start, i);
      while (word.length > 0 && (word.charCodeAt(0) == 39 || word.charCodeAt(0) == 0x2019)) word = word.substring(1);
      while (word.length > 0 && (word.charCodeAt(word.length - 1) == 39 || word.charCodeAt(word.length - 1) == 0x2019)) word = word.substring(0, word.length - 1);
      if (word.length > 0) {
        const lower = word.toLowerCase();
        counts.set(lower, counts.has(lower) ? counts.get(lower) + 1 : 1);
        words++;
        letters += word.length;
        sentenceOpen = true;
      }
      start = -1;
    }
    if ((c == 46 || c == 33 || c == 63) && sentenceOpen) {
      sentences++;
      sentenceOpen = false;
    }
  }
  if (sentenceOpen) sentences++;

  const topWords = mostFrequent(counts, top, 'word');

  const out = JValue.object();
  out.setNum('characters', <f64>characters);
  out.setNum('words', <f64>words);
  out.setNum('lines', <f64>lines);
  out.setNum('sentences', <f64>sentences);
  out.setNum('paragraphs', <f64>paragraphs);
  out.setNum('uniqueWords', <f64>counts.size);
  out.setNum('averageWordLength', words > 0 ? round(<f64>letters / <f64>words, 2) : 0);
  out.setNum('readingTimeMinutes', round(<f64>words / 200, 1));
  out.set('topWords', topWords);
  return outputJson(out);
}
