// Where the running lab keeps its state (all under .lab/, git-ignored). LAB_DIR overrides it.
import path from 'node:path';

export const LAB_DIR = path.resolve(process.env.LAB_DIR ?? path.join(__dirname, '..', '.lab'));
export const labPaths = {
  dir: LAB_DIR,
  hostsState: path.join(LAB_DIR, 'hosts'),
  emulatorState: path.join(LAB_DIR, 'linode.json'),
  emulatorPid: path.join(LAB_DIR, 'emulator.pid'),
  emulatorLog: path.join(LAB_DIR, 'emulator.log'),
  token: path.join(LAB_DIR, 'linode-token'),
  ansibleLogs: path.join(LAB_DIR, 'logs'),
  /** The fake parent (TLD) servers and the registrar's record (lab/parent). */
  parentState: path.join(LAB_DIR, 'parent'),
  /** The lab's working copies of its zones (config/lab.yaml's zones[].file), made from zones/*.zone. */
  zonesDir: path.join(LAB_DIR, 'zones'),
  /** The working copy of the first zone, example.test. */
  zoneFile: path.join(LAB_DIR, 'zones', 'example.test.zone'),
  /** The lab's recursive resolver (unbound). */
  resolverState: path.join(LAB_DIR, 'resolver'),
};
/** The emulator's port; config/lab.yaml's linode.apiUrl points here. */
export const LAB_EMULATOR_PORT = Number(process.env.LAB_EMULATOR_PORT ?? 8789);
