// Times FormatJS's ICU parser on the messages benchmarks/icu_parse.py writes to stdin (a JSON
// list of strings), with the options closest to marketctl's subset (tags on); prints one JSON
// object: microseconds per message and which messages it refuses.
import { parse } from "@formatjs/icu-messageformat-parser";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const texts = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const refused = [];
for (const [index, text] of texts.entries()) {
  try {
    parse(text);
  } catch (error) {
    refused.push(index);
  }
}
const rounds = Number(process.argv[2] || "5");
const start = process.hrtime.bigint();
for (let round = 0; round < rounds; round++) {
  for (const text of texts) {
    try {
      parse(text);
    } catch (error) {
      // counted above
    }
  }
}
const elapsed = Number(process.hrtime.bigint() - start) / 1e3;
console.log(JSON.stringify({ microseconds: elapsed / (rounds * texts.length), refused }));
