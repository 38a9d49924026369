// The host steps of an adoption: scan a host's keys (nothing pinned), and pin the one the
// operator confirmed.
import { ApplicationFailure } from '@temporalio/common';
import { scanHostKeys } from '../hosts/keyScan';
import type { ScannedHostKey } from '../shared/fleetAdopt';
import { pinHostKey } from '../ssh/knownHosts';
import { reportingTypedErrors } from './failures';

export interface PinRequest {
  knownHostsFile: string;
  /** The host's addresses (public, and private when it has one), as a created host's are pinned. */
  addresses: string[];
  publicKey: string;
}

export function createAdoptActivities() {
  return reportingTypedErrors({
    async scanHostKeys(input: { address: string }): Promise<ScannedHostKey[]> {
      return scanHostKeys(input.address);
    },

    /** Pins the confirmed key for the addresses (replacing any older line for them). */
    async pinHostKey(input: PinRequest): Promise<void> {
      if (!/^ssh-[a-z0-9-]+ [A-Za-z0-9+/=]+$|^ecdsa-[a-z0-9-]+ [A-Za-z0-9+/=]+$/.test(input.publicKey))
        throw ApplicationFailure.nonRetryable(`not an SSH public key: ${input.publicKey.slice(0, 40)}`, 'InvalidInput');
      if (!Array.isArray(input.addresses) || input.addresses.length === 0)
        throw ApplicationFailure.nonRetryable('pinHostKey: no address given', 'InvalidInput');
      pinHostKey(input.knownHostsFile, input.addresses, input.publicKey);
    },
  });
}
