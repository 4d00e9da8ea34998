// Channel arrays in Node: over memory and over IndexedDB (fake-indexeddb); test/browser runs the
// same suite over Chromium's IndexedDB.
import 'fake-indexeddb/auto';
import { arraysConformance } from '../conformance/arrays-conformance';
import { uniqueName } from '../conformance/helpers';

arraysConformance('memory', () => ({ type: 'memory' }));
arraysConformance('indexeddb', () => ({ type: 'indexeddb', database: uniqueName('arrays') }));
