/**
 * What clients see of every served definition, keyed `kind:key` (`tool:add`, `resource:docs://x`):
 * the JSON of its list entry (name, title, description, schemas, annotations…). Handlers are
 * not in it, so a handler-only edit leaves a listing unchanged.
 */
export type Listing = Map<string, string>;

export interface ListingDiff {
  added: string[];
  /** Present before and after, but shown differently. */
  changed: string[];
  removed: string[];
}

/** Which lists changed: the ones whose `list_changed` clients must get. */
export interface ListChanges {
  tools: boolean;
  resources: boolean;
  prompts: boolean;
}

export function diffListings(before: Listing, after: Listing): ListingDiff {
  const diff: ListingDiff = { added: [], changed: [], removed: [] };
  for (const [key, shown] of after) {
    const was = before.get(key);
    if (was === undefined) diff.added.push(key);
    else if (was !== shown) diff.changed.push(key);
  }
  for (const key of before.keys()) if (!after.has(key)) diff.removed.push(key);
  return diff;
}

/** Which kinds' lists a diff touches. */
export function kindsChanged(diff: ListingDiff): ListChanges {
  const touched = new Set([...diff.added, ...diff.changed, ...diff.removed].map((key) => key.slice(0, key.indexOf(':'))));
  return { tools: touched.has('tool'), resources: touched.has('resource'), prompts: touched.has('prompt') };
}
