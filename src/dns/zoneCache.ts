// Expected zones loaded once per content: a deploy's gate verifies every new server against the
// same zone files (20 servers, 20 activities), and loading a 10 000-record zone (named-compilezone
// and the parse) costs more than a tenth of its verification. Keyed by origin, source and a hash
// of the text, so an edited file is loaded anew; a file with $INCLUDE is never cached (the hash
// does not cover the files it includes). Bounded; the zones are shared, so callers only read them.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadZoneFile, loadZoneText, type Zone } from './zone';

const MAX_ZONES = 8;
const zones = new Map<string, Promise<Zone>>();

const hash = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

async function cached(key: string | undefined, load: () => Promise<Zone>): Promise<Zone> {
  if (key === undefined) return load();
  let zone = zones.get(key);
  if (!zone) {
    if (zones.size >= MAX_ZONES) zones.delete(zones.keys().next().value as string);
    zone = load();
    zones.set(key, zone);
    // A zone that failed to load is not kept: the next caller gets the error anew.
    zone.catch(() => zones.delete(key));
  }
  return zone;
}

const cacheable = (text: string) => !/^\s*\$INCLUDE/im.test(text);

/** loadZoneFile, shared by every caller that loads the same file content for the same origin. */
export async function loadZoneFileOnce(file: string, origin: string): Promise<Zone> {
  const source = path.resolve(file);
  const text = await fs.readFile(source, 'utf8').catch(() => undefined);
  const key = text !== undefined && cacheable(text) ? `${origin}\0${source}\0${hash(text)}` : undefined;
  return cached(key, () => loadZoneFile(file, origin));
}

/** loadZoneText, shared likewise. */
export function loadZoneTextOnce(text: string, origin: string): Promise<Zone> {
  return cached(cacheable(text) ? `${origin}\0<text>\0${hash(text)}` : undefined, () => loadZoneText(text, origin));
}
