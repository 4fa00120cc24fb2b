// Evaluate marketctl's flagd export with @openfeature/flagd-core (the JavaScript flagd
// evaluator, fractional-v2), for tests/test_export_flagd.py.
// argv[2]: the flag definitions file. stdin: JSON [[flag, market, unit, unixSeconds], ...].
// stdout: JSON [true|false, ...]. The definitions are parsed with strict validation, which
// checks them against flagd's flag and targeting schemas (compiled into flagd-core); an
// invalid file exits 1 with the validator's errors.
import { readFileSync } from 'node:fs';
import { FlagdCore, MemoryStorage } from '@openfeature/flagd-core';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const storage = new MemoryStorage(quiet);
try {
  storage.setConfigurations(readFileSync(process.argv[2], 'utf8'), true);
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
const core = new FlagdCore(storage, quiet);
const probes = JSON.parse(readFileSync(0, 'utf8'));
const realNow = Date.now;
const answers = probes.map(([flag, market, unit, seconds]) => {
  Date.now = () => seconds * 1000;
  const result = core.resolveBooleanEvaluation(flag, false, { market, targetingKey: unit }, quiet);
  return result.value;
});
Date.now = realNow;
process.stdout.write(JSON.stringify(answers));
