/**
 * The demo used to be written by the browser into its own storage (documents with
 * `scope: 'device'`, arrays `array/demo/…`); the simulated fleet now lives on the server and
 * reaches devices through sync and pins. A device that ran the old demo forgets it on start, so
 * its invented "Demo wind farm" never sits next to real sites. The sync leaves `scope: device`
 * documents alone (main.ts's filter), so none of them ever went to a server.
 */
import { ChannelArray } from '../arrays';
import type { Storage } from '../storage';

/** `scope` of documents that stay on this device and never sync. */
export const DEVICE_SCOPE = 'device';

/** Removes the browser-written demo from `storage`; resolves with how many documents went. */
export async function forgetBrowserDemo(storage: Storage): Promise<number> {
  const { rows } = await storage.allDocs({ query: `scope:"${DEVICE_SCOPE}"`, include_docs: true });
  let removed = 0;
  for (const row of rows) {
    const array = row.doc?.type === 'channel' ? row.doc.array : undefined;
    if (typeof array === 'string' && array.startsWith('array/demo/')) {
      await ChannelArray.open(storage, array)
        .then((opened) => opened.delete())
        .catch(() => undefined); // already gone (an earlier start removed it)
    }
    await storage.remove(row.id).catch(() => undefined);
    removed++;
  }
  return removed;
}
