// The @linode/api-v4 functions the emulator tests call, each call made with the credentials of
// the emulator startLab() started last. Production code opens one credentials scope per
// activity (src/linode/client.ts); these tests talk to one emulator at a time.
import * as api from '@linode/api-v4';
import { withLinodeCredentials } from '../../../src/linode';
import { currentLabCredentials } from './helpers';

function inCurrentLab<A extends unknown[], R>(call: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) => withLinodeCredentials(currentLabCredentials(), () => call(...args));
}

export const createLinode = inCurrentLab(api.createLinode);
export const deleteLinode = inCurrentLab(api.deleteLinode);
export const getImages = inCurrentLab(api.getImages);
export const getLinode = inCurrentLab(api.getLinode);
export const getLinodeIPs = inCurrentLab(api.getLinodeIPs);
export const getLinodes = inCurrentLab(api.getLinodes);
export const getLinodeTypes = inCurrentLab(api.getLinodeTypes);
export const getRegions = inCurrentLab(api.getRegions);
export const getTags = inCurrentLab(api.getTags);
export const linodeBoot = inCurrentLab(api.linodeBoot);
export const linodeReboot = inCurrentLab(api.linodeReboot);
export const linodeShutdown = inCurrentLab(api.linodeShutdown);
export const updateLinode = inCurrentLab(api.updateLinode);
