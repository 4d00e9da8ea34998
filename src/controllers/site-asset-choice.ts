import type { AssetDoc, SiteDoc } from '../core';
import type { Listed } from './docs-controller';

/** The lists a site/asset picker offers and what is chosen in them. */
export interface SiteAssetChoice {
  sites: Array<Listed<SiteDoc>>;
  assets: Array<Listed<AssetDoc>>;
  /** The chosen site ('' while none is). */
  site: string;
  /** The chosen asset, one of the chosen site's ('' while none is). */
  asset: string;
}

/**
 * What a site/asset picker (two sl-selects, by title) offers, given the documents on this device
 * and what the user last picked: undefined while there is no site to choose from. The only site is
 * chosen by itself; the asset list follows the chosen site, and a picked asset of another site
 * (the site changed) is dropped. One rule for every form that binds something to a site and asset.
 */
export function siteAssetChoice(
  sites: Array<Listed<SiteDoc>> | undefined,
  assets: Array<Listed<AssetDoc>> | undefined,
  picked: { site: string; asset: string },
): SiteAssetChoice | undefined {
  const listed = sites ?? [];
  if (listed.length === 0) return undefined;
  const site = listed.some((candidate) => candidate.id === picked.site) ? picked.site : listed.length === 1 ? listed[0]!.id : '';
  const ofSite = (assets ?? []).filter((candidate) => candidate.site === site);
  const asset = ofSite.some((candidate) => candidate.id === picked.asset) ? picked.asset : '';
  return { sites: listed, assets: ofSite, site, asset };
}
