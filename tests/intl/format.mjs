// Format prices with JavaScript's Intl.NumberFormat (node's ICU and CLDR), for
// tests/test_intl_prices.py. stdin: JSON [[locale, currency, amount, roundingMode], ...] with
// the amount as a decimal string (formatted exactly, no binary float). stdout: JSON [text, ...],
// then the ICU and CLDR versions node was built with.
import { readFileSync } from 'node:fs';

const probes = JSON.parse(readFileSync(0, 'utf8'));
const formats = new Map();
const texts = probes.map(([locale, currency, amount, roundingMode]) => {
  const key = `${locale} ${currency} ${roundingMode}`;
  let format = formats.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency, roundingMode });
    formats.set(key, format);
  }
  return format.format(amount);
});
process.stdout.write(JSON.stringify({ texts, icu: process.versions.icu, cldr: process.versions.cldr }));
