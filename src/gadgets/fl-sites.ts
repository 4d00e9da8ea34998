import { LitElement, css, html } from 'lit';
import '@lit-labs/virtualizer';
import { DocsController, hrefOf, type Listed } from '../controllers';
import type { SiteDoc } from '../core';
import { baseStyles } from './design/styles';
import { formatKind } from './format';

/**
 * The sites on this device (synced from the server: a technician has only their own), each a
 * link to its site view, below the fleet's health (its assets by risk, worst first:
 * `<fl-fleet-health>`). The list is virtualized, so a fleet of hundreds of sites scrolls
 * smoothly; it lists again after a sync and when the server says a site changed.
 */
export class FlSites extends LitElement {
  readonly #sites = new DocsController<SiteDoc>(this, { query: () => 'type:site', prefixes: ['site/'] });

  static override styles = [
    baseStyles,
    css`
      /* The sites first (what one came for, and a virtualized list draws only what is in view), the
         fleet's health beside them where there is room, under them otherwise. */
      :host { display: grid; gap: var(--sl-spacing-large); align-items: start; }
      @media (min-width: 1100px) {
        :host { grid-template-columns: minmax(0, 1fr) minmax(22rem, 1fr); }
      }
      section { display: grid; gap: var(--sl-spacing-small); align-content: start; }
      h3 { margin: 0; }
      lit-virtualizer { width: 100%; }
      a.site {
        display: grid; grid-template-columns: auto 1fr auto; gap: var(--sl-spacing-medium); align-items: center;
        min-height: var(--fl-touch); box-sizing: border-box; width: 100%;
        padding: var(--sl-spacing-medium); margin-block-end: var(--sl-spacing-small);
        background: var(--fl-surface); border: 1px solid var(--fl-border); border-radius: var(--fl-radius);
        color: var(--fl-text); text-decoration: none;
      }
      a.site:hover { border-color: var(--sl-color-primary-600); }
      a.site sl-icon { font-size: 1.75rem; color: var(--sl-color-primary-600); }
      .title { font-size: var(--sl-font-size-large); font-weight: var(--sl-font-weight-semibold); }
      .meta { display: flex; gap: var(--sl-spacing-small); flex-wrap: wrap; align-items: center; color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
    `,
  ];

  /** Lists the sites again (the shell calls it after a sign-in). */
  reload(): Promise<void> {
    return Promise.all([this.#sites.reload(), this.renderRoot.querySelector('fl-fleet-health')?.reload()]).then(() => undefined);
  }

  #row = (site: Listed<SiteDoc>) =>
    html`<a class="site" href=${hrefOf('sites', site.id)} data-site=${site.id}>
      <sl-icon name=${site.kind === 'wind_farm' ? 'wind' : site.kind === 'solar_plant' ? 'sun' : 'geo-alt'} aria-hidden="true"></sl-icon>
      <span>
        <span class="title">${site.title ?? 'Untitled site'}</span>
        <span class="meta">
          <span>${formatKind(site.kind)}</span>
          ${site.location?.label ? html`<span>· ${site.location.label}</span>` : ''}
          ${site.simulated ? html`<sl-tag size="small" variant="warning">Simulated</sl-tag>` : ''}
        </span>
      </span>
      <sl-icon name="chevron-right" aria-hidden="true"></sl-icon>
    </a>`;

  #list() {
    const sites = this.#sites.docs;
    if (this.#sites.error) return html`<p role="alert" class="error">The sites could not be read: ${this.#sites.error}</p>`;
    if (!sites) return html`<p class="muted"><sl-spinner></sl-spinner> Reading the sites on this device…</p>`;
    if (sites.length === 0) {
      return html`<p class="muted">No sites on this device yet. They arrive with the next sync once you are signed in; an admin assigns technicians their sites.</p>`;
    }
    return html`<p class="muted small">${sites.length} ${sites.length === 1 ? 'site' : 'sites'}</p>
      <lit-virtualizer role="list" aria-label="Sites" .items=${sites} .renderItem=${(site: Listed<SiteDoc>) => html`<div role="listitem" style="width:100%">${this.#row(site)}</div>`}></lit-virtualizer>`;
  }

  override render() {
    const siteTitles = new Map((this.#sites.docs ?? []).map((site) => [site.id, site.title]));
    return html`<section aria-labelledby="sites-heading">
        <h3 id="sites-heading">Sites</h3>
        ${this.#list()}
      </section>
      <section aria-labelledby="fleet-health-heading">
        <h3 id="fleet-health-heading">Fleet health</h3>
        <fl-fleet-health .siteTitles=${siteTitles}></fl-fleet-health>
      </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-sites': FlSites;
  }
}
