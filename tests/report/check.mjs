// Open marketctl report pages in headless Chromium and check them, for
// tests/test_report_browser.py. argv[2]: the Chromium executable; argv[3..]: page files.
// stdout: JSON {page: {width: {overflow, axe: [{id, impact, nodes}], links: [href...],
// console: [text...]}}} for the phone (390x844) and desktop (1280x800) viewports.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const [executablePath, ...pages] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const results = {};
try {
  for (const file of pages) {
    results[file] = {};
    for (const [width, height] of [[390, 844], [1280, 800]]) {
      const page = await browser.newPage();
      const console = [];
      page.on('console', (message) => console.push(message.text()));
      page.on('pageerror', (error) => console.push(String(error)));
      await page.setViewport({ width, height });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      // The page's own policy forbids scripts; the checker runs through the DevTools
      // protocol, which the policy does not govern.
      await page.evaluate(axeSource);
      const axe = await page.evaluate(async () => {
        const run = await window.axe.run(document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
        });
        return run.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
        }));
      });
      const layout = await page.evaluate(() => ({
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        links: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
        scripts: document.querySelectorAll('script').length,
        labels: [...document.querySelectorAll('svg')].map((svg) => {
          const boxes = [...svg.querySelectorAll('text.axis')]
            .map((t) => t.getBoundingClientRect())
            .filter((b) => b.width > 0)
            .sort((a, b) => a.left - b.left || a.top - b.top);
          let overlaps = 0;
          for (let i = 1; i < boxes.length; i += 1) {
            const [a, b] = [boxes[i - 1], boxes[i]];
            if (a.right > b.left + 0.5 && a.bottom > b.top + 0.5 && b.bottom > a.top + 0.5) overlaps += 1;
          }
          return overlaps;
        }),
      }));
      results[file][width] = { ...layout, axe, console };
      await page.close();
    }
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results));
