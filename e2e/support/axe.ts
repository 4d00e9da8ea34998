/**
 * Accessibility check for e2e specs: runs axe-core (through @axe-core/playwright, a test-only
 * tool) on the page as it is now, with the WCAG 2.0/2.1/2.2 level A and AA rules, and fails on any
 * violation of impact `serious` or `critical` with a list a person can act on: rule, impact, the
 * elements (axe's selectors, which cross shadow roots as `host >> inner`) and what is wrong.
 * Minor and moderate findings are returned, not failed, so a spec may print them.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

type AxeResults = Awaited<ReturnType<AxeBuilder['analyze']>>;
type Violation = AxeResults['violations'][number];

const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const failing = new Set(['serious', 'critical']);

/** A selector as text: axe writes one that enters shadow roots as an array of steps. */
function targetText(target: unknown): string {
  return Array.isArray(target) ? target.map(targetText).join(' >> ') : String(target);
}

/** One line per element of each violation: "rule (impact) at target: summary". */
export function describeViolations(violations: readonly Violation[]): string {
  return violations
    .flatMap((violation) =>
      violation.nodes.map((node) => {
        // failureSummary starts with "Fix any of the following:"; one line keeps the list readable.
        const summary = (node.failureSummary ?? violation.help).replace(/\s*\n\s*/g, ' ').trim();
        return `- ${violation.id} (${violation.impact ?? 'unknown'}) at ${targetText(node.target)}: ${summary}`;
      }),
    )
    .join('\n');
}

/**
 * Runs axe on `page` and fails (an expect failure naming `view`) on serious or critical WCAG A/AA
 * violations. Resolves to the lesser violations, for a spec that wants to report them.
 */
export async function expectNoSeriousAxeViolations(page: Page, view: string): Promise<Violation[]> {
  const results = await new AxeBuilder({ page }).withTags(wcagTags).analyze();
  const serious = results.violations.filter((violation) => failing.has(violation.impact ?? ''));
  // The readable list is what the failure shows as "received".
  expect(describeViolations(serious), `axe: serious or critical violations on ${view}`).toBe('');
  return results.violations.filter((violation) => !failing.has(violation.impact ?? ''));
}
