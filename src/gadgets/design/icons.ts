/**
 * The icons the app shows, served from our own build (no CDN): each is one of Shoelace's bundled
 * Bootstrap Icons (MIT), imported as a URL (by file path: the package's exports do not list its assets) so Vite emits it with the build (small ones inline as
 * data: URLs) and the service worker precaches it with the rest. Shoelace's `default` icon
 * library resolves names through this map only, so `<sl-icon name="…">` works offline; a name
 * missing here renders nothing (add a line below). Shoelace's own `system` icons are inline.
 */
import { registerIconLibrary } from '@shoelace-style/shoelace/dist/utilities/icon-library.js';
import searchIcon from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/search.svg?url';
import plusLg from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/plus-lg.svg?url';
import house from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/house.svg?url';
import geoAlt from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/geo-alt.svg?url';
import gearWideConnected from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/gear-wide-connected.svg?url';
import graphUp from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/graph-up.svg?url';
import clipboardCheck from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/clipboard-check.svg?url';
import personWorkspace from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/person-workspace.svg?url';
import calendarCheck from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/calendar-check.svg?url';
import arrowRepeat from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/arrow-repeat.svg?url';
import upload from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/upload.svg?url';
import plug from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/plug.svg?url';
import people from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/people.svg?url';
import building from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/building.svg?url';
import diagram3 from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/diagram-3.svg?url';
import boxArrowRight from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/box-arrow-right.svg?url';
import personCircle from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/person-circle.svg?url';
import sun from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/sun.svg?url';
import moon from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/moon.svg?url';
import circleHalf from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/circle-half.svg?url';
import wifi from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/wifi.svg?url';
import wifiOff from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/wifi-off.svg?url';
import check2Circle from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/check2-circle.svg?url';
import exclamationTriangle from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/exclamation-triangle.svg?url';
import exclamationOctagon from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/exclamation-octagon.svg?url';
import infoCircle from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/info-circle.svg?url';
import chevronRight from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/chevron-right.svg?url';
import wind from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/wind.svg?url';
import lightningCharge from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/lightning-charge.svg?url';
import xLg from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/x-lg.svg?url';
import heartPulse from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/heart-pulse.svg?url';
import bell from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/bell.svg?url';
import list from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/list.svg?url';
// Alarms: severities, shelving, out of service, comments, work orders.
import exclamationDiamond from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/exclamation-diamond.svg?url';
// The explorer: range, zoom, live, saved views, algorithms, export.
import exGraphUpArrow from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/graph-up-arrow.svg?url';
import exZoomIn from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/zoom-in.svg?url';
import exZoomOut from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/zoom-out.svg?url';
import exArrowLeft from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/arrow-left.svg?url';
import exDownload from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/download.svg?url';
import exImage from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/image.svg?url';
import exLink45deg from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/link-45deg.svg?url';
import exPlayFill from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/play-fill.svg?url';
import exStopFill from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/stop-fill.svg?url';
import exBroadcast from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/broadcast.svg?url';
import exBookmark from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/bookmark.svg?url';
import exBookmarkPlus from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/bookmark-plus.svg?url';
import exCodeSlash from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/code-slash.svg?url';
import exBarChart from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/bar-chart.svg?url';
import exTrash from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/trash.svg?url';
import exCpu from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/cpu.svg?url';
import exHddStack from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/hdd-stack.svg?url';
import exClipboard from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/clipboard.svg?url';
import exThreeDotsVertical from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/three-dots-vertical.svg?url';
import exFolder2Open from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/folder2-open.svg?url';
import bellSlash from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/bell-slash.svg?url';
import slashCircle from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/slash-circle.svg?url';
import chatLeftText from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/chat-left-text.svg?url';
import check2 from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/check2.svg?url';
import wrench from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/wrench.svg?url';
import bellFill from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/bell-fill.svg?url';
import clockHistory from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/clock-history.svg?url';
import arrowCounterclockwise from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/arrow-counterclockwise.svg?url';
// Alarm rules (engineers).
import sliders from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/sliders.svg?url';
// My work, engineers' review, the sync indicator and the asset timeline.
import cloudArrowUp from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/cloud-arrow-up.svg?url';
import check2All from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/check2-all.svg?url';
import cameraIcon from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/camera.svg?url';
import listCheck from '../../../node_modules/@shoelace-style/shoelace/dist/assets/icons/list-check.svg?url';

const icons: ReadonlyMap<string, string> = new Map([
  ['house', house],
  ['geo-alt', geoAlt],
  ['gear-wide-connected', gearWideConnected],
  ['graph-up', graphUp],
  ['clipboard-check', clipboardCheck],
  ['person-workspace', personWorkspace],
  ['calendar-check', calendarCheck],
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
  ['exclamation-diamond', exclamationDiamond],
  ['bell-slash', bellSlash],
  ['slash-circle', slashCircle],
  ['chat-left-text', chatLeftText],
  ['check2', check2],
  ['wrench', wrench],
  ['bell-fill', bellFill],
  ['clock-history', clockHistory],
  ['arrow-counterclockwise', arrowCounterclockwise],
  ['sliders', sliders],
  ['cloud-arrow-up', cloudArrowUp],
  ['check2-all', check2All],
  ['camera', cameraIcon],
  ['list-check', listCheck],
  ['search', searchIcon],
  ['plus-lg', plusLg],
  ['graph-up-arrow', exGraphUpArrow],
  ['zoom-in', exZoomIn],
  ['zoom-out', exZoomOut],
  ['arrow-left', exArrowLeft],
  ['download', exDownload],
  ['image', exImage],
  ['link-45deg', exLink45deg],
  ['play-fill', exPlayFill],
  ['stop-fill', exStopFill],
  ['broadcast', exBroadcast],
  ['bookmark', exBookmark],
  ['bookmark-plus', exBookmarkPlus],
  ['code-slash', exCodeSlash],
  ['bar-chart', exBarChart],
  ['trash', exTrash],
  ['cpu', exCpu],
  ['hdd-stack', exHddStack],
  ['clipboard', exClipboard],
  ['three-dots-vertical', exThreeDotsVertical],
  ['folder2-open', exFolder2Open],
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
