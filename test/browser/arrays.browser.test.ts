// Channel arrays over Chromium's IndexedDB (the same suite as in Node).
import { arraysConformance } from '../conformance/arrays-conformance';
import { uniqueName } from '../conformance/helpers';

arraysConformance('indexeddb (Chromium)', () => ({ type: 'indexeddb', database: uniqueName('arrays') }));
