// MQTT topic filter matching (`+` one level, `#` the rest and the parent): one implementation for
// the bus's local dispatch and the broker's ACLs.

/** Whether `topic` matches `filter`. */
export function topicMatches(filter: string, topic: string): boolean {
  return filter === topic || matchLevels(filter.split('/'), topic.split('/'));
}

/** The same with levels pre-split (the ACL caches them). `$` topics need a literal first level. */
export function matchLevels(filter: readonly string[], topic: readonly string[]): boolean {
  if ((topic[0] ?? '').startsWith('$') && (filter[0] === '#' || filter[0] === '+')) return false;
  for (let i = 0; i < filter.length; i++) {
    const f = filter[i];
    if (f === '#') return true;
    if (i >= topic.length) return false;
    if (f !== '+' && f !== topic[i]) return false;
  }
  return filter.length === topic.length;
}
