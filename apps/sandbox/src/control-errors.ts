/** A bad admin request (unknown key, negative count, ...): the admin API answers 400. */
export class SandboxControlError extends Error {}

/** An admin request about a sub-user the account does not have: the admin API answers 404. */
export class SandboxNotFoundError extends SandboxControlError {}
