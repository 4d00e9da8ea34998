/**
 * Which rule watches which channel: the enabled alarm rule documents, bound (core `bindRule`) to
 * the channel and asset documents they match. Read straight from the documents table by id range
 * (`alarm_rule/…`, `channel/…`, `asset/…`: the primary key index), so channel array metadata and
 * every other document stay unread. A rule that fails its check or cannot bind is reported, not
 * fatal: the other rules go on.
 */
import { alarmRuleProblem, bindRule, docHash, type AlarmRule, type AssetDoc, type ChannelDoc, type Json, type RuleBinding } from '../../core';
import type { Row, SqlDriver } from '../store/sql/driver';

/** A binding and the hash of what its evaluation depends on. */
export interface BoundRule {
  binding: RuleBinding;
  /** Changes when the rule's evaluation changes (its condition, delays, severities, inputs): the evaluation then starts over. */
  hash: string;
}

/** The bindings of every enabled rule, and the rules that could not be used (id → why). */
export interface Bindings {
  bound: BoundRule[];
  problems: Map<string, string>;
  /** Enabled, valid rules read (bound to no channel or to several). */
  rules: number;
}

/** The id range of documents whose ids start with `prefix` (which ends in `/`): [prefix, prefix with `/` → `0`). */
const rangeOf = (prefix: string): [string, string] => [prefix, `${prefix.slice(0, -1)}0`];

async function documentsUnder(driver: SqlDriver, prefix: string): Promise<Array<{ id: string; doc: Record<string, unknown> }>> {
  const [from, to] = rangeOf(prefix);
  const rows: Row[] = await driver.transaction((query) => query('SELECT id, doc FROM documents WHERE id >= ? AND id < ? AND deleted = ?', [from, to, false]));
  return rows.map((row) => ({ id: String(row.id), doc: JSON.parse(String(row.doc)) as Record<string, unknown> }));
}

/** Rule fields that only name it: a change there keeps the evaluation going. */
const NAMING_KEYS = new Set(['title', 'description', 'updated_by']);

/**
 * The hash of a binding's evaluation: the rule without what only names it (title, description,
 * who edited it; the title still reaches new alarms through the binding), and its inputs. A
 * renamed rule keeps its state; a rule given another level starts over.
 */
export function bindingHash(binding: RuleBinding): string {
  const evaluated = Object.fromEntries(Object.entries(binding.rule).filter(([key]) => !NAMING_KEYS.has(key)));
  return docHash({ rule: evaluated, inputs: binding.inputs } as unknown as Json);
}

/** Reads the rule, channel and asset documents and binds every enabled rule. */
export async function loadBindings(driver: SqlDriver): Promise<Bindings> {
  const [rules, channels, assets] = await Promise.all([documentsUnder(driver, 'alarm_rule/'), documentsUnder(driver, 'channel/'), documentsUnder(driver, 'asset/')]);
  const channelDocs = channels.filter(({ doc }) => doc.type === 'channel').map(({ id, doc }) => ({ id, doc: doc as unknown as ChannelDoc }));
  const assetDocs = assets.filter(({ doc }) => doc.type === 'asset').map(({ id, doc }) => ({ id, doc: doc as unknown as AssetDoc }));
  const bound: BoundRule[] = [];
  const problems = new Map<string, string>();
  let used = 0;
  for (const { id, doc } of rules) {
    if (doc.type !== 'alarm_rule') continue;
    const problem = alarmRuleProblem(doc);
    if (problem !== undefined) {
      problems.set(id, problem);
      continue;
    }
    const rule = doc as unknown as AlarmRule;
    if (!rule.enabled) continue;
    used++;
    try {
      for (const binding of bindRule(id, rule, channelDocs, assetDocs)) bound.push({ binding, hash: bindingHash(binding) });
    } catch (error) {
      problems.set(id, error instanceof Error ? error.message : String(error));
    }
  }
  return { bound, problems, rules: used };
}
