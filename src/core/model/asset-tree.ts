/**
 * The asset tree of a list of assets (turbine → gearbox → main bearing), for listings and parent
 * pickers. Stored data is not trusted to be a tree: a parent may be missing, in another site, or
 * (written by two devices at once) part of a cycle. Such an asset is shown as a root, so every
 * asset appears exactly once and no walk loops.
 */

/** What the tree needs of an asset: its id, site, parent and a title to sort by. */
export interface TreeAsset {
  id: string;
  site: string;
  parent?: string | undefined;
  title?: string | undefined;
}

/** An entry of the depth-first listing: the asset and how deep it sits (roots: 0). */
export interface TreeEntry<A extends TreeAsset> {
  asset: A;
  depth: number;
}

/** The tree over a list of assets; build it with `assetTree`. */
export interface AssetTree<A extends TreeAsset> {
  /** The asset with this id, if listed. */
  get(id: string): A | undefined;
  /** The parent the tree uses (undefined: a root, also when the stored parent is unusable). */
  parentOf(id: string): string | undefined;
  /** The children of `id` (undefined: the roots), sorted by title then id. */
  children(id: string | undefined): A[];
  /** Parent, grandparent, … up to the root (empty for a root or an unknown id). */
  ancestry(id: string): A[];
  /** Every asset below `id`, depth first. */
  descendants(id: string): A[];
  /** Every asset, depth first from the roots (or below `below`: depth 0 its children), children after their parent. */
  depthFirst(below?: string): Array<TreeEntry<A>>;
  /** Whether `parent` may become the parent of `id`: same site, not `id` itself, not below it. */
  canBeParent(id: string | undefined, parent: string): boolean;
}

const byTitle = (a: TreeAsset, b: TreeAsset): number => (a.title ?? a.id).localeCompare(b.title ?? b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Builds the tree of `assets` (a later duplicate id replaces an earlier one). */
export function assetTree<A extends TreeAsset>(assets: Iterable<A>): AssetTree<A> {
  const byId = new Map<string, A>();
  for (const asset of assets) byId.set(asset.id, asset);
  // The stored parent, when it is a listed asset of the same site.
  const stored = (asset: A): string | undefined => {
    const parent = asset.parent === undefined ? undefined : byId.get(asset.parent);
    return parent && parent.site === asset.site && parent.id !== asset.id ? parent.id : undefined;
  };
  // An asset whose walk up comes back to itself is in a cycle: it becomes a root, which breaks it.
  // Each asset is walked once (a walk stops at an asset already settled), so this is linear.
  const parents = new Map<string, string | undefined>();
  const settled = new Set<string>();
  for (const start of byId.keys()) {
    if (settled.has(start)) continue;
    const path: string[] = [];
    const onPath = new Map<string, number>();
    let current: string | undefined = start;
    while (current !== undefined && !settled.has(current) && !onPath.has(current)) {
      onPath.set(current, path.length);
      path.push(current);
      current = stored(byId.get(current)!);
    }
    const cycleFrom = current !== undefined && onPath.has(current) ? onPath.get(current)! : path.length;
    path.forEach((id, index) => {
      parents.set(id, index >= cycleFrom ? undefined : stored(byId.get(id)!));
      settled.add(id);
    });
  }
  const children = new Map<string | undefined, A[]>();
  for (const asset of byId.values()) {
    const parent = parents.get(asset.id);
    const list = children.get(parent);
    if (list) list.push(asset);
    else children.set(parent, [asset]);
  }
  for (const list of children.values()) list.sort(byTitle);

  const tree: AssetTree<A> = {
    get: (id) => byId.get(id),
    parentOf: (id) => parents.get(id),
    children: (id) => [...(children.get(id) ?? [])],
    ancestry(id) {
      const up: A[] = [];
      // Parents were made acyclic above, but a bound costs nothing and keeps this obviously finite.
      for (let parent = parents.get(id); parent !== undefined && up.length <= byId.size; parent = parents.get(parent)) up.push(byId.get(parent)!);
      return up;
    },
    descendants(id) {
      return tree.depthFirst(id).map((entry) => entry.asset);
    },
    depthFirst(below) {
      const entries: Array<TreeEntry<A>> = [];
      // An explicit stack: a deep (or hostile) tree cannot overflow the call stack.
      const stack: Array<TreeEntry<A>> = (children.get(below) ?? []).map((asset) => ({ asset, depth: 0 })).reverse();
      while (stack.length > 0) {
        const entry = stack.pop()!;
        entries.push(entry);
        const below = children.get(entry.asset.id) ?? [];
        for (let index = below.length - 1; index >= 0; index--) stack.push({ asset: below[index]!, depth: entry.depth + 1 });
      }
      return entries;
    },
    canBeParent(id, parent) {
      const candidate = byId.get(parent);
      if (!candidate) return false;
      if (id === undefined) return true;
      const self = byId.get(id);
      if (parent === id || (self && self.site !== candidate.site)) return false;
      return !tree.ancestry(parent).some((ancestor) => ancestor.id === id);
    },
  };
  return tree;
}
