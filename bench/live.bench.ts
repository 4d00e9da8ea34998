/**
 * Live: from an ingest's ack to the new sample on screen. A real server (SQLite, the simulated
 * fleet streaming beside it: DEMO=1 with a short history), the built app in Debian's Chromium
 * open on one channel's view (its <fl-channel-chart> reading the server), and a fluentd agent
 * (the fluentd project's Node client, with acks) sending that channel one sample every
 * INTERVAL_MS. For each sample: the time from its ack (in this process) to the moment the chart
 * shows the new sample count and a frame was drawn after it (observed in the page with a
 * MutationObserver on the chart, then requestAnimationFrame). Both clocks are Date.now() on
 * this machine. Baseline in the same run: the same ack to the `samples` event reaching a Node
 * SSE client of GET /api/events — the stream alone, without the browser's work (reading the new
 * samples, drawing).
 *   live.ingest_to_screen.p50_ms / .p95_ms    (goal: p95 ≤ 1000 ms with the fleet running)
 *   live.ingest_to_event.p50_ms / .p95_ms     (the stream's share)
 */
import path from 'node:path';
import { FluentClient } from '@fluent-org/logger';
import { chromium } from 'playwright';
import type { Figures } from './harness';
import { clientIsStale } from '../src/server/client-build';
import { projectRoot } from '../src/server';
import type { SamplesData } from '../src/core/live-events';
import { chromiumLaunchArgs, chromiumPath } from '../test/support/chromium';
import { ADMIN_PASSWORD, startTestServer } from '../test/support/server-session';
import { openSse } from '../test/support/sse-client';

const INTERVAL_MS = 500;
const WARMUP = 5;
const SAMPLES = 60;
const HISTORY = 200;

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const round = (value: number): number => Math.round(value * 10) / 10;

/**
 * Runs in the page (as text: functions handed to Playwright would carry the TypeScript loader's
 * helpers, unknown there). `liveChart()` finds the chart through the shadow roots; `liveWatch()`
 * records in `liveSeen[count]` when the chart first showed `count` samples and a frame was drawn.
 */
const PAGE_SCRIPT = `
  window.liveChart = function () {
    function find(root) {
      var found = root.querySelector('fl-channel-chart');
      if (found) return found;
      for (var element of root.querySelectorAll('*')) {
        var inner = element.shadowRoot ? find(element.shadowRoot) : null;
        if (inner) return inner;
      }
      return null;
    }
    return find(document);
  };
  window.liveCount = function () {
    var chart = window.liveChart();
    var text = (chart && chart.shadowRoot && chart.shadowRoot.querySelector('header') || {}).textContent || '';
    var match = /([\\d,]+) samples/.exec(text);
    return match ? Number(match[1].replace(/,/g, '')) : -1;
  };
  window.liveWatch = function () {
    var chart = window.liveChart();
    var seen = (window.liveSeen = {});
    function check() {
      var count = window.liveCount();
      // On screen: the first frame drawn after the DOM says so.
      if (count >= 0 && seen[count] === undefined) requestAnimationFrame(function () { if (seen[count] === undefined) seen[count] = Date.now(); });
    }
    new MutationObserver(check).observe(chart.shadowRoot, { subtree: true, childList: true, characterData: true, attributes: true });
    check();
  };
`;

export async function run(): Promise<Figures> {
  const clientDir = path.join(projectRoot, 'dist', 'client');
  if (clientIsStale(clientDir, projectRoot)) {
    process.stdout.write('  building the PWA…\n');
    const { build } = await import('vite');
    await build({ root: projectRoot, logLevel: 'warn', build: { outDir: clientDir } });
  }
  // A short history (0.02 days ≈ 30 min) so the fleet is streaming live within seconds.
  const server = await startTestServer({ CLIENT_DIR: clientDir, DEMO: '1', DEMO_DAYS: '0.02' });
  const fleet = (server.server as { fleet?: { start(): Promise<void> } }).fleet;
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumLaunchArgs });
  try {
    if (fleet) await fleet.start();
    else process.stdout.write('  (this server has no simulated fleet: measured without it)\n');
    const token = await server.login('admin', ADMIN_PASSWORD);
    const registered = await fetch(`${server.server.url}/api/sources`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ tag: 'bench.live', site: 'site/bench-live' }) });
    if (registered.status !== 201) throw new Error(`registering the source: ${registered.status} ${await registered.text()}`);
    const source = (await registered.json()) as { id: string };
    const agent = new FluentClient('bench', { socket: { host: '127.0.0.1', port: server.server.forwardPort, timeout: 60_000 }, ack: { ackTimeout: 60_000 }, milliseconds: true, eventMode: 'Message', flushInterval: 1 });
    const start = Date.now() - HISTORY * 1000;
    await Promise.all(Array.from({ length: HISTORY }, (_, index) => agent.emit('live', { value: Math.sin(index / 10) }, start + index * 1000)));

    // bypassCSP: the app's CSP forbids eval, which Playwright's waitForFunction uses for its polling.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
    await context.addCookies([{ name: 'fl_session', value: token, url: server.server.url }]);
    const page = await context.newPage();
    await page.goto(`${server.server.url}/#/channels/${encodeURIComponent(`channel/${source.id}/value`)}`);
    await page.evaluate(PAGE_SCRIPT);
    await page.waitForFunction(`window.liveCount() === ${HISTORY}`, undefined, { timeout: 60_000 });
    await page.evaluate('window.liveWatch()');
    const stream = await openSse(`${server.server.url}/api/events`, { token });
    const array = `array/${source.id}/value`;

    const screen: number[] = [];
    const event: number[] = [];
    for (let index = 0; index < WARMUP + SAMPLES; index++) {
      const began = Date.now();
      const length = HISTORY + index + 1;
      const from = stream.messages.length;
      await agent.emit('live', { value: Math.sin((HISTORY + index) / 10) }, began);
      const ackAt = Date.now();
      const received = await stream.waitFor((message) => message.event === 'samples' && (JSON.parse(message.data) as SamplesData).array === array && (JSON.parse(message.data) as SamplesData).length >= length, { from, boundMs: 30_000 });
      const shownAt = await page.waitForFunction(`window.liveSeen[${length}]`, undefined, { timeout: 30_000, polling: 20 }).then((handle) => handle.jsonValue() as Promise<number>);
      if (index >= WARMUP) {
        screen.push(shownAt - ackAt);
        event.push(received.receivedAt - ackAt);
      }
      const next = began + INTERVAL_MS - Date.now();
      if (next > 0) await new Promise((resolve) => setTimeout(resolve, next));
    }
    stream.close();
    await agent.disconnect();
    process.stdout.write(`  ${SAMPLES} samples at ${1000 / INTERVAL_MS}/s${fleet ? ', fleet running' : ''}: screen p50 ${percentile(screen, 50)} ms, p95 ${percentile(screen, 95)} ms, max ${Math.max(...screen)} ms; event p50 ${percentile(event, 50)} ms, p95 ${percentile(event, 95)} ms\n`);
    return {
      'live.ingest_to_screen.p50_ms': { value: round(percentile(screen, 50)), unit: 'ms', better: 'lower' },
      'live.ingest_to_screen.p95_ms': { value: round(percentile(screen, 95)), unit: 'ms', better: 'lower' },
      'live.ingest_to_event.p50_ms': { value: round(percentile(event, 50)), unit: 'ms', better: 'lower' },
      'live.ingest_to_event.p95_ms': { value: round(percentile(event, 95)), unit: 'ms', better: 'lower' },
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}
