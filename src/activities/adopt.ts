// The host steps of an adoption: scan a host's keys (nothing pinned), and pin the one the
// operator confirmed.
import { ApplicationFailure } from '@temporalio/common';
import { scanHostKeys } from '../hosts/keyScan';
import type { ScannedHostKey } from '../shared/fleetAdopt';
import { pinHostKey } from '../ssh/knownHosts';
import { reportingTypedErrors } from './failures';

export interface PinRequest {
  knownHostsFile: string;
  address: string;
  publicKey: string;
}

export function createAdoptActivities() {
  return reportingTypedErrors({
    async scanHostKeys(input: { address: string }): Promise<ScannedHostKey[]> {
      return scanHostKeys(input.address);
    },

    /** Pins the confirmed key for the address (replacing any older line for it). */
    async pinHostKey(input: PinRequest): Promise<void> {
      if (!/^ssh-[a-z0-9-]+ [A-Za-z0-9+/=]+$|^ecdsa-[a-z0-9-]+ [A-Za-z0-9+/=]+$/.test(input.publicKey))
        throw ApplicationFailure.nonRetryable(`not an SSH public key: ${input.publicKey.slice(0, 40)}`, 'InvalidInput');
      pinHostKey(input.knownHostsFile, [input.address], input.publicKey);
    },
  });
}
