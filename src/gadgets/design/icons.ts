/**
 * The icons the app shows, served from our own build (no CDN): each is one of Shoelace's bundled
 * Bootstrap Icons (MIT), imported as a URL (alias @shoelace-icons in vite.config.ts) so Vite emits it with the build (small ones inline as
 * data: URLs) and the service worker precaches it with the rest. Shoelace's `default` icon
 * library resolves names through this map only, so `<sl-icon name="…">` works offline; a name
 * missing here renders nothing (add a line below). Shoelace's own `system` icons are inline.
 */
import { registerIconLibrary } from '@shoelace-style/shoelace/dist/utilities/icon-library.js';
import house from '@shoelace-icons/house.svg?url';
import geoAlt from '@shoelace-icons/geo-alt.svg?url';
import gearWideConnected from '@shoelace-icons/gear-wide-connected.svg?url';
import graphUp from '@shoelace-icons/graph-up.svg?url';
import clipboardCheck from '@shoelace-icons/clipboard-check.svg?url';
import arrowRepeat from '@shoelace-icons/arrow-repeat.svg?url';
import upload from '@shoelace-icons/upload.svg?url';
import plug from '@shoelace-icons/plug.svg?url';
import people from '@shoelace-icons/people.svg?url';
import building from '@shoelace-icons/building.svg?url';
import diagram3 from '@shoelace-icons/diagram-3.svg?url';
import boxArrowRight from '@shoelace-icons/box-arrow-right.svg?url';
import personCircle from '@shoelace-icons/person-circle.svg?url';
import sun from '@shoelace-icons/sun.svg?url';
import moon from '@shoelace-icons/moon.svg?url';
import circleHalf from '@shoelace-icons/circle-half.svg?url';
import wifi from '@shoelace-icons/wifi.svg?url';
import wifiOff from '@shoelace-icons/wifi-off.svg?url';
import check2Circle from '@shoelace-icons/check2-circle.svg?url';
import exclamationTriangle from '@shoelace-icons/exclamation-triangle.svg?url';
import exclamationOctagon from '@shoelace-icons/exclamation-octagon.svg?url';
import infoCircle from '@shoelace-icons/info-circle.svg?url';
import chevronRight from '@shoelace-icons/chevron-right.svg?url';
import wind from '@shoelace-icons/wind.svg?url';
import lightningCharge from '@shoelace-icons/lightning-charge.svg?url';
import xLg from '@shoelace-icons/x-lg.svg?url';
import heartPulse from '@shoelace-icons/heart-pulse.svg?url';
import bell from '@shoelace-icons/bell.svg?url';
import list from '@shoelace-icons/list.svg?url';

const icons: ReadonlyMap<string, string> = new Map([
  ['house', house],
  ['geo-alt', geoAlt],
  ['gear-wide-connected', gearWideConnected],
  ['graph-up', graphUp],
  ['clipboard-check', clipboardCheck],
  ['arrow-repeat', arrowRepeat],
  ['upload', upload],
  ['plug', plug],
  ['people', people],
  ['building', building],
  ['diagram-3', diagram3],
  ['box-arrow-right', boxArrowRight],
  ['person-circle', personCircle],
  ['sun', sun],
  ['moon', moon],
  ['circle-half', circleHalf],
  ['wifi', wifi],
  ['wifi-off', wifiOff],
  ['check2-circle', check2Circle],
  ['exclamation-triangle', exclamationTriangle],
  ['exclamation-octagon', exclamationOctagon],
  ['info-circle', infoCircle],
  ['chevron-right', chevronRight],
  ['wind', wind],
  ['lightning-charge', lightningCharge],
  ['x-lg', xLg],
  ['heart-pulse', heartPulse],
  ['bell', bell],
  ['list', list],
]);

/** The icon names this build carries (for tests and for the notes). */
export const iconNames: readonly string[] = [...icons.keys()];

let registered = false;

/** Points Shoelace's default icon library at the bundled icons (safe to call twice). */
export function registerIcons(): void {
  if (registered) return;
  registered = true;
  registerIconLibrary('default', { resolver: (name) => icons.get(name) ?? '', mutator: (svg) => svg.setAttribute('fill', 'currentColor') });
}
