/** How values, times and kinds read in the views (one place, so every tile says it the same way). */

/** A measured value with its unit, to 3–4 significant digits (`12.3 °C`, `1 250 kW`). */
export function formatValue(value: number | undefined, unit?: string): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  const magnitude = Math.abs(value);
  const text =
    magnitude >= 1000 ? Math.round(value).toLocaleString() : magnitude >= 100 ? value.toFixed(0) : magnitude >= 10 ? value.toFixed(1) : magnitude >= 1 ? value.toFixed(2) : value.toPrecision(3);
  return unit ? `${text} ${unit}` : text;
}

/** "12 s ago", "5 min ago", or the date and time for older ones. */
export function formatAge(time: number | undefined, now = Date.now()): string {
  if (time === undefined) return '';
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  return new Date(time).toLocaleString();
}

const kinds: Record<string, string> = { wind_farm: 'Wind farm', solar_plant: 'Solar plant', fleet: 'Fleet', other: 'Site' };

/** A site kind for people (`wind_farm` → `Wind farm`). */
export function formatKind(kind: unknown): string {
  return typeof kind === 'string' ? (kinds[kind] ?? humanize(kind)) : 'Site';
}

/** `main_bearing` → `Main bearing`. */
export function humanize(text: string): string {
  const spaced = text.replace(/[_-]+/g, ' ').trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
