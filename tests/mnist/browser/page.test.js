// SPDX-License-Identifier: MIT
// Drives the mnist-web-ui page in headless Chromium: connect, random test images, drawing a
// digit with the mouse, and no requests to any other origin. Run by tests/mnist/browser.sh:
//   node page.test.js PAGE_URL EXPECTED_MODEL_VERSION TMPDIR
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [pageUrl, wantVersion, tmp] = process.argv.slice(2);
const origin = new URL(pageUrl).origin;
let failures = 0;
const ok = (what) => console.log('ok: ' + what);
const fail = (what) => { console.error('FAIL: ' + what); failures++; };
const check = (cond, what) => (cond ? ok(what) : fail(what));

async function settled(page) {
  // The page counts requests in flight in body[data-busy].
  await page.waitForFunction(() => document.body.getAttribute('data-busy') === '0',
                             null, { timeout: 15000 });
}

async function scores(page) {
  return page.$$eval('#bars .value', (tds) => tds.map((td) => parseFloat(td.textContent)));
}

async function main() {
  const profile = fs.mkdtempSync(path.join(tmp, 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 },
  });
  const external = [];
  const errors = [];
  context.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith(origin + '/') && !u.startsWith('data:')) external.push(u);
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  try {
    await page.goto(pageUrl, { waitUntil: 'load' });
    await page.waitForSelector('#status.ok', { timeout: 15000 });
    const status = await page.textContent('#status');
    check(/Connected \(model version: /.test(status), 'status line: ' + status);
    check((await page.textContent('#model-version')) === wantVersion,
          'real model version ' + wantVersion + ' shown');
    await settled(page);

    let correct = 0;
    for (let i = 0; i < 5; i++) {
      const before = await page.textContent('#source');
      await page.click('#random');
      await page.waitForFunction((b) => document.getElementById('source').textContent !== b &&
                                 /^random test image #\d+$/.test(document.getElementById('source').textContent),
                                 before, { timeout: 15000 });
      await settled(page);
      const truth = await page.textContent('#truth');
      const pred = await page.textContent('#prediction');
      const s = await scores(page);
      const sum = s.reduce((a, b) => a + b, 0);
      check(/^\d$/.test(truth) && /^\d$/.test(pred), `random image ${i}: truth ${truth}, prediction ${pred}`);
      check(s.length === 10 && Math.abs(sum - 100) < 1.5, `probability bars sum to ${sum.toFixed(1)} %`);
      if (truth === pred) correct++;
    }
    console.log(`  ${correct} of 5 random test images predicted correctly`);

    // Draw a "1": one vertical stroke, slightly slanted, with real mouse events.
    await page.click('#clear');
    check((await page.textContent('#prediction')) === '\u2013', 'Clear resets the prediction');
    const box = await page.locator('#canvas').boundingBox();
    const at = (fx, fy) => [box.x + fx * box.width, box.y + fy * box.height];
    await page.mouse.move(...at(0.52, 0.15));
    await page.mouse.down();
    for (let k = 1; k <= 20; k++) await page.mouse.move(...at(0.52 - 0.04 * k / 20, 0.15 + 0.7 * k / 20));
    await page.mouse.up();
    await page.waitForFunction(() => document.getElementById('source').textContent === 'your drawing',
                               null, { timeout: 15000 });
    await settled(page);
    const drawn = await page.textContent('#prediction');
    check(/^\d$/.test(drawn), 'prediction for the drawn digit: ' + drawn);
    console.log(drawn === '1' ? '  the drawn 1 was read as 1' : '  the drawn 1 was read as ' + drawn);
    const ink = await page.$eval('#preview', (c) => {
      const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
      let n = 0, sx = 0, sy = 0, m = 0;
      for (let i = 0; i < 784; i++) {
        const v = d[4 * i] / 255;
        if (v > 0) n++;
        m += v; sx += v * (i % 28); sy += v * Math.floor(i / 28);
      }
      return { n, cx: sx / m, cy: sy / m };
    });
    check(ink.n > 20 && Math.abs(ink.cx - 13.5) < 1.5 && Math.abs(ink.cy - 13.5) < 1.5,
          `28x28 input is centred by mass (${ink.cx.toFixed(1)}, ${ink.cy.toFixed(1)}), ${ink.n} inked pixels`);
    await page.screenshot({ path: path.join(tmp, 'page.png') });

    // A digit drawn off-centre and small still lands in the middle of the 28x28 input.
    await page.click('#clear');
    await page.mouse.move(...at(0.1, 0.1));
    await page.mouse.down();
    await page.mouse.move(...at(0.25, 0.1), { steps: 5 });
    await page.mouse.move(...at(0.15, 0.35), { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => document.getElementById('source').textContent === 'your drawing',
                               null, { timeout: 15000 });
    await settled(page);
    check(/^\d$/.test(await page.textContent('#prediction')), 'small off-centre drawing predicted');

    check(external.length === 0, 'no requests left ' + origin +
          (external.length ? ': ' + external.join(', ') : ''));
    check(errors.length === 0, 'no page errors' + (errors.length ? ': ' + errors.join('; ') : ''));
  } catch (e) {
    fail('browser test aborted: ' + e.message);
    try { await page.screenshot({ path: path.join(tmp, 'failure.png') }); } catch (_) { /* ignore */ }
  } finally {
    await context.close();
  }
  process.exit(failures ? 1 : 0);
}

main().catch((e) => { console.error('FAIL: ' + e.stack); process.exit(1); });
