import type { Db } from '@/db/client';
import { vms } from '@/db/schema';
import type { Actor } from '../auth/actor';
import { dataPlane } from '../dataplane/current';
import type { Check } from '../dataplane/port';
import { DomainError, ErrorCodes as E } from '../domain/errors';
import type { CheckInput } from '../domain/schema';
import { getReadable } from './scope';

/** Runs one check from inside a VM of the built-in lab (R-VM-3 and every scenario's verification). */
export async function checkFromVm(db: Db, actor: Actor, input: CheckInput) {
  const vm = await getReadable(db, actor, vms, input.vmId, 'VM', undefined, 'vmId');
  const plane = dataPlane();
  if (!plane?.port) {
    throw new DomainError(
      E.LAB_UNAVAILABLE,
      plane?.status().note ?? 'Connectivity checks run in the built-in lab, which is not running.',
    );
  }
  if (vm.state !== 'running')
    throw new DomainError(E.INVALID_STATE, `VM "${vm.name}" is stopped; start it to run checks.`, 'vmId');
  const check = input.check.kind === 'listen' ? { ...input.check, label: vm.name } : input.check;
  return plane.port.checkFromVm(vm.id, check as Check);
}

/**
 * Runs one check from the lab internet's client (203.0.113.10): how the outside world sees a VIP —
 * an EIP (R-EIP-2) or a forwarded port (R-PF-1). Only outbound kinds; nothing listens there.
 */
export async function checkFromInternet(input: { check: CheckInput['check'] }) {
  const plane = dataPlane();
  if (!plane?.port)
    throw new DomainError(
      E.LAB_UNAVAILABLE,
      plane?.status().note ?? 'Connectivity checks run in the built-in lab, which is not running.',
    );
  if (input.check.kind === 'listen')
    throw new DomainError(E.INVALID_INPUT, 'The internet side only connects; listen from a VM.', 'check');
  return plane.port.checkFromInternet(input.check);
}
