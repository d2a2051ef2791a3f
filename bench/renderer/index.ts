/**
 * bench/renderer: does the Tools tab stay fast with a huge server? Renders the tool list of a server with 10,000
 * tools and of one with 100 in Chromium (the built renderer, real main handlers, only `tools:list` answered with a
 * synthetic list), timing from the click on the Tools tab to the frame after React committed, median of many runs,
 * side by side in alternating order. Also times scrolling the 10,000-tool list. Prints the ratio; target ≤ 3.
 *
 * Run: `npm run bench -- renderer` (or `node bench/renderer/index.ts [--runs N]`). Set KEYPORT_SKIP_BUILD=1 to reuse
 * an existing out/renderer.
 */
import type { KeyportApi, ToolView } from '../../preload/contract.ts';
import { setup as build } from '../../test/setup/build.ts';
import { setup as startKeyring, teardown as stopKeyring } from '../../test/setup/keyring.ts';
import { closeBrowser, startHarness } from '../../test/renderer/harness.ts';
import { median, numberArg, printResult } from '../lib.ts';

declare const window: Window & { keyport: KeyportApi };

const TARGET = 3;
const SIZES = [100, 10_000] as const;

/** A plausible tool: a name, a title, a description and a small schema. */
function syntheticTools(count: number): readonly ToolView[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `tool_${String(i).padStart(5, '0')}`,
    title: `Tool number ${i}`,
    description: `Does thing ${i} with a description long enough to be truncated in the list, as real ones are.`,
    inputSchema: { type: 'object', properties: { id: { type: 'string' }, count: { type: 'integer', default: i } }, required: ['id'] },
  }));
}

const runs = numberArg('runs', 15);
build();
await startKeyring();
const toolsByName = new Map<string, readonly ToolView[]>(SIZES.map((n) => [`tools-${n}`, syntheticTools(n)]));
const harness = await startHarness({
  runtime: { autoConnect: false },
  overrides: {
    'tools:list': async (serverId) => {
      const servers = await harness.runtime.services.servers.list();
      return toolsByName.get(servers.find((s) => s.id === serverId)?.name ?? '') ?? [];
    },
  },
});

try {
  const { page } = harness;
  for (const n of SIZES) {
    const added = await page.evaluate((name) => window.keyport.addServer({ name, url: `http://127.0.0.1:9/${name}`, auth: { mode: 'none' } }), `tools-${n}`);
    if (!added.ok) throw new Error(`could not add the server: ${added.error.message}`);
  }
  // Load each list once (IPC included), so the measured runs time rendering only.
  for (const n of SIZES) {
    await page.getByRole('button', { name: new RegExp(`^tools-${n}\\b`) }).click();
    await page.getByRole('tab', { name: 'Tools' }).click();
    await page.getByTestId('tool-count').filter({ hasText: `${n} tools` }).waitFor();
  }

  const renderOnce = (n: number) =>
    page.evaluate(async (count) => {
      const byText = (sel: string, text: RegExp) => [...document.querySelectorAll<HTMLElement>(sel)].find((e) => text.test(e.textContent ?? ''));
      byText('.server-item', new RegExp(`^tools-${count}\\b`))?.click();
      document.querySelector<HTMLElement>('#tab-overview')?.click();
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const t0 = performance.now();
      document.querySelector<HTMLElement>('#tab-tools')?.click();
      while (document.querySelector('[data-testid="tool-count"]')?.textContent !== `${count} tools` || !document.querySelector('.virtual-row')) {
        await new Promise((r) => setTimeout(r, 0));
      }
      const committed = performance.now() - t0;
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      return { committed, painted: performance.now() - t0 };
    }, n);

  const painted = new Map<number, number[]>(SIZES.map((n) => [n, []]));
  const committed = new Map<number, number[]>(SIZES.map((n) => [n, []]));
  for (let i = 0; i < 3; i += 1) for (const n of SIZES) await renderOnce(n); // warm-up
  for (let i = 0; i < runs; i += 1) {
    const order = i % 2 === 0 ? SIZES : [...SIZES].reverse();
    for (const n of order) {
      const t = await renderOnce(n);
      painted.get(n)?.push(t.painted);
      committed.get(n)?.push(t.committed);
    }
  }

  // Scrolling the big list: frame-to-frame time while jumping through it.
  await renderOnce(10_000);
  const scroll = await page.evaluate(async () => {
    const list = document.querySelector<HTMLElement>('.virtual-list');
    if (!list) return { frames: 0, worst: Number.NaN, median: Number.NaN };
    const gaps: number[] = [];
    let last = performance.now();
    for (let step = 0; step < 120; step += 1) {
      list.scrollTop = (list.scrollHeight * step) / 120;
      list.dispatchEvent(new Event('scroll'));
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }
    const sorted = [...gaps].sort((a, b) => a - b);
    return { frames: gaps.length, worst: sorted[sorted.length - 1] ?? 0, median: sorted[Math.floor(sorted.length / 2)] ?? 0 };
  });
  const rowsInDom = await page.locator('.virtual-row').count();

  const small = median(painted.get(100) ?? []);
  const big = median(painted.get(10_000) ?? []);
  const ratio = big / small;
  const smallCommit = median(committed.get(100) ?? []);
  const bigCommit = median(committed.get(10_000) ?? []);
  console.log(`renderer: Tools tab render, median of ${runs} runs each, alternating`);
  console.log(`  click → DOM committed:   100 tools ${smallCommit.toFixed(2)} ms, 10,000 tools ${bigCommit.toFixed(2)} ms (ratio ${(bigCommit / smallCommit).toFixed(2)})`);
  console.log(`  click → next frame:      100 tools ${small.toFixed(2)} ms, 10,000 tools ${big.toFixed(2)} ms`);
  console.log(`  ratio (to next frame):   ${ratio.toFixed(2)} (target ≤ ${TARGET})`);
  console.log(`  scrolling 10,000: ${scroll.frames} jumps, median frame ${scroll.median.toFixed(1)} ms, worst ${scroll.worst.toFixed(1)} ms; ${rowsInDom} rows in the DOM`);
  printResult({ bench: 'renderer', metric: 'render_ratio_10000_vs_100', value: Number(ratio.toFixed(3)), target: TARGET, pass: ratio <= TARGET });
} finally {
  await harness.close();
  await closeBrowser();
  await stopKeyring();
}
