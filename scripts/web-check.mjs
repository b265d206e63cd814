// Drives the browser build of the workbench in headless Chromium (Debian's /usr/bin/chromium)
// with playwright-core. Run through `bash scripts/web.sh check`, which builds and serves
// target/web/dist and installs playwright-core into target/web/playwright.
//
//   node scripts/web-check.mjs [BASE_URL] [SCREENSHOT]
//     BASE_URL   default http://127.0.0.1:8765/
//     SCREENSHOT default screenshots/web.png
//   env PLAYWRIGHT_DIR: where node_modules/playwright-core is (default target/web/playwright)
//
// eframe-web publishes no accessibility tree (one <canvas>, no DOM per widget), so the
// checks go through the test hooks that gui/src/web.rs exports (window.wasmscope.*),
// a screenshot, and a synthetic file drop on the canvas.
//
// The samples are not in the wasm: the page fetches them from samples/ when opened, so a
// sample arrives some frames after it is asked for, and the checks wait for it.
//
// Checks, in order:
//   1. ?sample=hello: #status becomes "started" and the hooks are there;
//   2. the fetched module "hello" is loaded; screenshot (1280x800);
//   3. a run (Start + Continue) in the browser prints "hello, wasmscope!" and ends normally;
//   4. a sample whose fetch fails (HTTP 404, then a network error, both made by
//      intercepting the request) becomes a load error naming the file, the page goes on;
//   5. dropping samples/wat/add.wat onto the canvas opens it (module name "add.wat");
//   8. (after the others) the vars sample, stopped at each Rust line of
//      samples/variables.toml, shows every listed value as the program prints it;
//   9. the Learn loop sample, stepped to its br_if, shows the spec's machine there;
//   6. Browse… opens the browser's file chooser, and fac.wat picked there opens;
//   7. ?demo (a new page load): divzero, fetched before the start, paused before its trap.
// Exits 1 with a message on the first failure. Page errors and console errors are printed.

import { createRequire } from 'node:module';
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pwDir = resolve(process.env.PLAYWRIGHT_DIR || resolve(root, 'target/web/playwright'));
const require = createRequire(resolve(pwDir, 'package.json'));
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.error(`web-check: cannot load playwright-core from ${pwDir} (npm install playwright-core there): ${e.message}`);
  process.exit(1);
}

const base = process.argv[2] || 'http://127.0.0.1:8765/';
const shot = resolve(process.argv[3] || resolve(root, 'screenshots/web.png'));
const TIMEOUT = 60_000;
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1) + ' s';

const problems = []; // page errors and console errors, printed at the end
let browser;

function fail(msg) {
  const e = new Error(msg);
  e.checkFailure = true;
  throw e;
}

function ok(msg) {
  console.log(`ok   ${msg} (${secs()})`);
}

async function main() {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });

  // 1. The page loads and the runner starts.
  const url = new URL('?sample=hello', base).href;
  await page.goto(url);
  try {
    await page.waitForFunction(() => {
      const s = document.getElementById('status')?.textContent ?? '';
      return s.startsWith('error') || (s === 'started' && window.wasmscope !== undefined);
    }, null, { timeout: TIMEOUT });
  } catch {
    const s = await page.evaluate(() => document.getElementById('status')?.textContent);
    fail(`the workbench did not start within ${TIMEOUT / 1000} s (#status: ${JSON.stringify(s)})`);
  }
  const status = await page.evaluate(() => document.getElementById('status').textContent);
  if (status !== 'started') fail(`the workbench failed to start: ${status}`);
  ok(`${url}: #status is "started", window.wasmscope has the hooks`);

  // 2. The sample from the query is fetched and loaded; screenshot.
  try {
    await page.waitForFunction(() => window.wasmscope.wasmscope_module_name() === 'hello' ||
      window.wasmscope.wasmscope_load_error() !== '', null, { timeout: 20_000 });
  } catch { /* reported below */ }
  const name = await page.evaluate(() => window.wasmscope.wasmscope_module_name());
  if (name !== 'hello') {
    const err = await page.evaluate(() => window.wasmscope.wasmscope_load_error());
    fail(`module name is ${JSON.stringify(name)}, expected "hello" fetched from samples/hello.wasm ` +
      `(load error: ${JSON.stringify(err)})`);
  }
  ok('module name is "hello" (fetched from samples/hello.wasm)');
  // Let a few frames render (layout settles after the first frames), then capture.
  await page.evaluate(() => new Promise((done) => {
    let n = 0;
    const tick = () => (++n >= 10 ? done() : requestAnimationFrame(tick));
    requestAnimationFrame(tick);
  }));
  mkdirSync(dirname(shot), { recursive: true });
  await page.screenshot({ path: shot });
  const webgl = await page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl2');
    const ext = gl && gl.getExtension('WEBGL_debug_renderer_info');
    return gl ? (ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : 'WebGL2') : 'no WebGL2';
  });
  ok(`screenshot ${shot} (WebGL2 renderer: ${webgl})`);

  // 3. A run in the browser: Start, then Continue to the end.
  const before = await page.evaluate(() => window.wasmscope.wasmscope_state());
  const after = await page.evaluate(() => window.wasmscope.wasmscope_run());
  const stdout = await page.evaluate(() => window.wasmscope.wasmscope_console());
  if (!stdout.includes('hello, wasmscope!')) {
    fail(`after a run (state ${JSON.stringify(before)} -> ${JSON.stringify(after)}) the console is ` +
      `${JSON.stringify(stdout)}, expected it to contain "hello, wasmscope!"`);
  }
  if (!after.startsWith('finished') && after !== 'exited with code 0') {
    fail(`after a run the state is ${JSON.stringify(after)}, expected "finished…" or "exited with code 0"`);
  }
  ok(`run: state ${JSON.stringify(before)} -> ${JSON.stringify(after)}, console ${JSON.stringify(stdout)}`);

  // 4. Failed fetches: the server's 404, and a network error; each a load error, no panic.
  for (const [sample, file, how, expect] of [
    ['oob', 'oob.wasm', (route) => route.fulfill({ status: 404, body: 'not here' }), 'HTTP 404'],
    ['exit', 'exit.wasm', (route) => route.abort('failed'), 'samples/exit.wasm'],
  ]) {
    await page.route(`**/samples/${file}`, how);
    const running = await page.evaluate((s) => window.wasmscope.wasmscope_open_sample(s), sample);
    if (!running) fail(`fetch error: wasmscope_open_sample(${JSON.stringify(sample)}) says the workbench is not running`);
    try {
      await page.waitForFunction((f) => window.wasmscope.wasmscope_load_error().includes(f),
        `samples/${file}`, { timeout: 10_000 });
    } catch {
      fail(`fetch error: after a failed fetch of samples/${file} there is no load error naming it within 10 s`);
    }
    const err = await page.evaluate(() => window.wasmscope.wasmscope_load_error());
    if (!err.includes(expect)) {
      fail(`fetch error: the load error for samples/${file} is ${JSON.stringify(err)}, ` +
        `expected it to contain ${JSON.stringify(expect)}`);
    }
    await page.unroute(`**/samples/${file}`);
    ok(`fetch error: ${JSON.stringify(err)}`);
  }
  const alive = await page.evaluate(() => window.wasmscope.wasmscope_module_name());
  if (alive !== 'hello') fail(`after the failed fetches the module is ${JSON.stringify(alive)}, expected "hello" still`);

  // 5. Drop samples/wat/add.wat onto the canvas (DataTransfer + DragEvent, as a real drop).
  const bytes = Array.from(readFileSync(resolve(root, 'samples/wat/add.wat')));
  await page.evaluate((bytes) => {
    const canvas = document.getElementById('the_canvas_id');
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], 'add.wat', { type: 'text/plain' }));
    const init = { dataTransfer: dt, bubbles: true, cancelable: true, clientX: 640, clientY: 400 };
    canvas.dispatchEvent(new DragEvent('dragenter', init));
    canvas.dispatchEvent(new DragEvent('dragover', init));
    canvas.dispatchEvent(new DragEvent('drop', init));
  }, bytes);
  try {
    await page.waitForFunction(() => window.wasmscope.wasmscope_module_name() === 'add.wat',
      null, { timeout: 10_000 });
  } catch {
    const [n, err] = await page.evaluate(() => [window.wasmscope.wasmscope_module_name(),
      window.wasmscope.wasmscope_load_error()]);
    fail(`drop: after dropping add.wat (${bytes.length} bytes) on the canvas the module name is ` +
      `${JSON.stringify(n)} (load error: ${JSON.stringify(err)}), expected "add.wat" within 10 s. ` +
      'Does WorkbenchApp handle ctx.input(|i| i.raw.dropped_files) (bytes_async on the web)?');
  }
  ok(`drop: add.wat (${bytes.length} bytes) dropped on the canvas is now the loaded module`);

  // 6. Browse…: the file dialog (rfd's <input type=file>) picks samples/wat/fac.wat.
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser', { timeout: 10_000 }),
    page.evaluate(() => window.wasmscope.wasmscope_browse()),
  ]).catch((e) => fail(`browse: no file chooser opened within 10 s (${e.message})`));
  await chooser.setFiles(resolve(root, 'samples/wat/fac.wat'));
  try {
    await page.waitForFunction(() => window.wasmscope.wasmscope_module_name() === 'fac.wat',
      null, { timeout: 10_000 });
  } catch {
    const n = await page.evaluate(() => window.wasmscope.wasmscope_module_name());
    fail(`browse: after picking fac.wat the module name is ${JSON.stringify(n)}, expected "fac.wat"`);
  }
  ok('browse: fac.wat picked in the file chooser is now the loaded module');

  // 7. ?demo: fetches divzero before the start, runs it to the trap and pauses before it.
  const demoUrl = new URL('?demo', base).href;
  await page.goto(demoUrl);
  try {
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'started' &&
      window.wasmscope?.wasmscope_module_name() === 'divzero', null, { timeout: TIMEOUT });
  } catch {
    const s = await page.evaluate(() => [document.getElementById('status')?.textContent,
      window.wasmscope?.wasmscope_load_error()]);
    fail(`demo: ${demoUrl} did not open divzero within ${TIMEOUT / 1000} s (#status, load error: ${JSON.stringify(s)})`);
  }
  const demoState = await page.evaluate(() => window.wasmscope.wasmscope_state());
  if (!demoState.startsWith('paused at')) fail(`demo: the state is ${JSON.stringify(demoState)}, expected "paused at …"`);
  ok(`demo: ${demoUrl} opens divzero, ${JSON.stringify(demoState)}`);

  // 8. Source variables in the browser: the vars sample stopped at each Rust line of
  //    samples/variables.toml shows every listed value as the program prints it.
  await page.evaluate(() => window.wasmscope.wasmscope_open_sample('vars'));
  try {
    await page.waitForFunction(() => window.wasmscope.wasmscope_module_name() === 'vars', null,
      { timeout: TIMEOUT });
  } catch {
    fail(`variables: the vars sample did not open within ${TIMEOUT / 1000} s`);
  }
  let checked = 0;
  for (const stop of rustStops(readFileSync(resolve(root, 'samples/variables.toml'), 'utf8'))) {
    const err = await page.evaluate(([f, l]) => window.wasmscope.wasmscope_break_only_at(f, l),
      [stop.file, stop.line]);
    if (err) fail(`variables: a breakpoint on ${stop.file}:${stop.line}: ${err}`);
    const state = await page.evaluate(() => window.wasmscope.wasmscope_run());
    if (!state.startsWith('paused')) fail(`variables: run to ${stop.file}:${stop.line}: ${state}`);
    for (const [expr, want] of stop.values) {
      const got = await page.evaluate((e) => window.wasmscope.wasmscope_evaluate(e), expr);
      if (got !== want) {
        fail(`variables: at ${stop.file}:${stop.line} ${expr} is ${JSON.stringify(got)}, ` +
          `expected ${JSON.stringify(want)} (what the program prints)`);
      }
      checked++;
    }
  }
  if (checked < 50) fail(`variables: only ${checked} values checked`);
  ok(`variables: ${checked} values of the vars sample as the program prints them`);

  // 9. Learn 1 (the loop): Start, then Step into 15 times: at the br_if, inside the
  //    loop, the comparison's i32 on the operand stack.
  const learned = await page.evaluate(() => window.wasmscope.wasmscope_open_learn(0));
  if (!learned) fail('learn: wasmscope_open_learn(0) says the workbench is not running');
  await page.evaluate(() => window.wasmscope.wasmscope_start());
  let machine = '';
  for (let k = 0; k < 15; k++) {
    await page.evaluate(() => window.wasmscope.wasmscope_step_into());
  }
  machine = await page.evaluate(() => window.wasmscope.wasmscope_machine());
  const want = 'br_if 0 | pops c (i32); branches to label 0 if c ≠ 0, else goes on | function loop | i32';
  if (machine !== want) fail(`learn: the machine at the 15th step is ${JSON.stringify(machine)}, expected ${JSON.stringify(want)}`);
  ok(`learn: the loop sample's machine at its br_if: ${JSON.stringify(machine)}`);

  // 10. Time travel, a WASI catchpoint and a watchpoint in the browser: divzero (four
  //     buckets) recorded,
  //     to its loop's breakpoint three times, back to the previous hit (the past, a
  //     replay: i is 1 again), then on in the past to the next fd_write (caught) and to
  //     the next change of the stack pointer (global 0, watched).
  await page.evaluate(() => window.wasmscope.wasmscope_open_sample('divzero'));
  try {
    await page.waitForFunction(() => window.wasmscope.wasmscope_module_name() === 'divzero', null,
      { timeout: TIMEOUT });
  } catch {
    fail(`time travel: the divzero sample did not open within ${TIMEOUT / 1000} s`);
  }
  await page.evaluate(() => window.wasmscope.wasmscope_args('a b c d'));
  await page.evaluate(() => window.wasmscope.wasmscope_record(true));
  const bpErr = await page.evaluate(() => window.wasmscope.wasmscope_break_only_at('divzero/src/main.rs', 56));
  if (bpErr) fail(`time travel: a breakpoint on divzero/src/main.rs:56: ${bpErr}`);
  const tt = (f, ...a) => page.evaluate(([f, a]) => window.wasmscope[f](...a), [f, a]);
  let ttState = await tt('wasmscope_run');
  if (!ttState.startsWith('paused')) fail(`time travel: run: ${ttState}`);
  await tt('wasmscope_continue');
  await tt('wasmscope_continue');
  const iNow = await tt('wasmscope_evaluate', 'i');
  if (iNow !== '2') fail(`time travel: i is ${JSON.stringify(iNow)} at the third stop, expected "2"`);
  const label = await tt('wasmscope_reverse', 'continue');
  const iBack = await tt('wasmscope_evaluate', 'i');
  if (!label.includes('the past') || iBack !== '1') {
    fail(`time travel: back to the last breakpoint: ${JSON.stringify(label)}, i ${JSON.stringify(iBack)}`);
  }
  ok(`time travel: back to the previous breakpoint hit: ${JSON.stringify(label)}, i = 1`);
  await tt('wasmscope_catch', 'fd_write');
  await tt('wasmscope_continue');
  let ttStatus = await tt('wasmscope_status');
  if (!ttStatus.startsWith('paused before the call of wasi_snapshot_preview1.fd_write')) {
    fail(`catchpoint: ${JSON.stringify(ttStatus)}, expected "paused before the call of wasi_snapshot_preview1.fd_write …"`);
  }
  ok(`catchpoint: ${JSON.stringify(ttStatus.slice(0, 60))}…`);
  await tt('wasmscope_watch_global', 0);
  for (let k = 0; k < 4 && !ttStatus.startsWith('paused at watchpoint'); k++) {
    await tt('wasmscope_continue');
    ttStatus = await tt('wasmscope_status');
  }
  if (!ttStatus.startsWith('paused at watchpoint 1 (global 0):')) {
    fail(`watchpoint: ${JSON.stringify(ttStatus)}, expected "paused at watchpoint 1 (global 0): …"`);
  }
  ok(`watchpoint: ${JSON.stringify(ttStatus.slice(0, 60))}…`);
}

// The [[stop]]s of samples/variables.toml for programs/vars.wasm: {file, line, values}.
// (The file's simple subset of TOML: one `key = value` per line, `[stop.values]` tables of
// quoted keys.)
function rustStops(text) {
  const stops = [];
  let cur = null;
  let inValues = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '[[stop]]') { cur = { values: [] }; stops.push(cur); inValues = false; continue; }
    if (line === '[stop.values]') { inValues = true; continue; }
    if (!cur || line.startsWith('#') || !line.includes('=')) continue;
    if (inValues) {
      const m = line.match(/^"((?:[^"\\]|\\.)*)"\s*=\s*"((?:[^"\\]|\\.)*)"$/);
      if (m) cur.values.push([JSON.parse(`"${m[1]}"`), JSON.parse(`"${m[2]}"`)]);
      continue;
    }
    const m = line.match(/^(\w+)\s*=\s*(.*)$/);
    if (!m) continue;
    if (m[1] === 'module') cur.module = JSON.parse(m[2]);
    if (m[1] === 'file') cur.file = JSON.parse(m[2]);
    if (m[1] === 'line') cur.line = Number(m[2]);
  }
  return stops.filter((s) => s.module === 'programs/vars.wasm');
}

let code = 0;
try {
  await main();
  console.log(`web-check: all checks passed in ${secs()}`);
} catch (e) {
  console.error(`FAIL ${e.checkFailure ? e.message : e.stack || e} (${secs()})`);
  code = 1;
} finally {
  if (browser) await browser.close();
}
if (problems.length) {
  console.log(`page errors / console errors (${problems.length}):`);
  for (const p of problems) console.log(`  ${p}`);
}
process.exit(code);
