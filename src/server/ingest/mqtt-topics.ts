/**
 * Which source an MQTT topic belongs to: topic patterns (MQTT_TOPICS) in MQTT's filter syntax
 * where `{tag}` stands for one topic level, the source's tag. `+` is any one level, `#` (last)
 * any levels, zero included. The default, `fieldline/{tag}` and `fieldline/{tag}/#`, reads
 * `fieldline/turbine.t07` and `fieldline/turbine.t07/telemetry` as source `turbine.t07`;
 * `spBv1.0/+/DDATA/+/{tag}` reads Sparkplug device data by device id.
 */

export const DEFAULT_MQTT_TOPICS = ['fieldline/{tag}', 'fieldline/{tag}/#'];

export type TopicMatcher = (topic: string) => string | undefined;

/** Checks a pattern list (config); throws naming the first bad one. */
export function checkTopicPatterns(patterns: readonly string[]): void {
  if (patterns.length === 0) throw new Error('at least one topic pattern is needed');
  for (const pattern of patterns) {
    const levels = pattern.split('/');
    if (levels.filter((level) => level === '{tag}').length !== 1) throw new Error(`topic pattern ${JSON.stringify(pattern)} must have one {tag} level`);
    levels.forEach((level, index) => {
      if (level === '#' && index !== levels.length - 1) throw new Error(`topic pattern ${JSON.stringify(pattern)}: # must be the last level`);
      if (level !== '{tag}' && level !== '+' && level !== '#' && /[+#{}]/.test(level)) throw new Error(`topic pattern ${JSON.stringify(pattern)}: a level is {tag}, +, # or a word`);
    });
  }
}

/** The matcher of `patterns`: a topic's tag under the first pattern it matches, or undefined. */
export function topicMatcher(patterns: readonly string[]): TopicMatcher {
  checkTopicPatterns(patterns);
  const compiled = patterns.map((pattern) => pattern.split('/'));
  return (topic) => {
    const levels = topic.split('/');
    for (const pattern of compiled) {
      let tag: string | undefined;
      let matched = true;
      for (let index = 0; index < pattern.length; index++) {
        const want = pattern[index]!;
        if (want === '#') break;
        const level = levels[index];
        if (level === undefined || (want !== '+' && want !== '{tag}' && want !== level)) {
          matched = false;
          break;
        }
        if (want === '{tag}') tag = level;
      }
      const exactLength = pattern.at(-1) === '#' ? levels.length >= pattern.length - 1 : levels.length === pattern.length;
      if (matched && exactLength && tag) return tag;
    }
    return undefined;
  };
}

/** Whether a subscription filter stays within topics of `tag` (a device may only read its own). */
export function filterWithin(filter: string, tag: string, patterns: readonly string[]): boolean {
  if (filter.includes('#') || filter.includes('+')) {
    // A wildcard filter is allowed when it cannot leave the tag's patterns: its levels up to the
    // wildcard name the tag where the pattern has {tag}.
    const levels = filter.split('/');
    return patterns.some((pattern) => {
      const want = pattern.split('/');
      const tagAt = want.indexOf('{tag}');
      return levels.length > tagAt && levels[tagAt] === tag && want.slice(0, tagAt).every((level, index) => level === '+' || level === levels[index]);
    });
  }
  return topicMatcher(patterns)(filter) === tag;
}
