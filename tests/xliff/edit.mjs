// The npm xliff library as a JavaScript localisation pipeline uses it: read an XLIFF 2.0 file,
// set one unit's target, write the file again (tests/test_exchange_tools.py).
// node edit.mjs IN OUT KEY TARGET [INDENT]   (INDENT: js2xliff's indent option, default its own)
import { readFileSync, writeFileSync } from "node:fs";
import xliff2js from "xliff/xliff2js";
import js2xliff from "xliff/js2xliff";

const [input, output, key, target, indent] = process.argv.slice(2);
const js = await xliff2js(readFileSync(input, "utf8"));
const units = Object.values(js.resources)[0];
if (!(key in units)) {
  console.error(`no unit ${key}`);
  process.exit(1);
}
const before = units[key].target;
units[key].target = target;
writeFileSync(output, await js2xliff(js, indent === undefined ? undefined : { indent }));
console.log(
  JSON.stringify({
    units: Object.keys(units).length,
    target: before,
    notes: units[key].note,
  }),
);
