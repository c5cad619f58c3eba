import { ProviderCall, queryValue, SandboxReply } from '../provider-pipeline';
import { drfNotFound } from './protocol';
import { webshareJson } from './serialize';

type IdParams = { id: string };

/**
 * The number of every account's default plan: `?plan_id=1` and no plan_id are the same plan (as
 * on Webshare, where the default plan is a plan with an id of its own), so the v3 reads, which
 * require a plan_id, reach the sub-users created without one.
 */
export const DEFAULT_PLAN_ID = 1;

/**
 * `?plan_id=` selects the plan (absent = the account's default plan, `null` for the store).
 * `required` (the v3 proxy config reads) answers DRF's 400 when it is absent.
 */
export function withPlan<P>(
  call: ProviderCall<P>,
  run: (planId: number | null) => SandboxReply,
  required = false,
): SandboxReply {
  const raw = queryValue(call.query.plan_id);
  if (raw === undefined || raw === '') {
    if (!required) return run(null);
    return {
      status: 400,
      body: webshareJson({ plan_id: [{ message: 'This field is required.', code: 'required' }] }),
    };
  }
  const planId = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(planId)) {
    return {
      status: 400,
      body: webshareJson({ plan_id: [{ message: 'A valid integer is required.', code: 'invalid' }] }),
    };
  }
  return run(planId === DEFAULT_PLAN_ID ? null : planId);
}

export function withSubuserId(
  call: ProviderCall<IdParams>,
  run: (planId: number | null, id: number) => SandboxReply,
): SandboxReply {
  return withPlan(call, (planId) => {
    const id = parseId(call.params.id);
    return id === null ? drfNotFound() : run(planId, id);
  });
}

/** Webshare ids: up to 16 digits (the sandbox's clock-derived ids have 15 until 2056). */
export function parseId(raw: string | undefined): number | null {
  if (raw === undefined || !/^\d{1,16}$/.test(raw.trim())) return null;
  return Number(raw.trim());
}
